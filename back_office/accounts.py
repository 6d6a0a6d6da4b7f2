"""Accounts: argon2 password hashes (argon2-cffi), roles, and logins throttled per account.

Besides the rate limit per client address on the login form (back_office/views.py), an account
is locked for LOCK_MINUTES after MAX_FAILURES wrong passwords in a row, whoever tries them, so a
password cannot be guessed from many addresses either; every failure is in the audit log.
"""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import GLOBAL_ROLES, ROLES, AuditEntry, Membership, User, now

MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCK_MINUTES = 15
hasher = PasswordHasher()
# Verifying against this when the account does not exist costs the same time as a real check, so
# the answer's timing does not tell which e-mail addresses have accounts.
_UNKNOWN = hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A request about accounts that cannot be done (the message says why and what to do)."""


def add_user(session: Session, email: str, name: str, password: str, admin: bool = False) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{email!r} is not an e-mail address")
    if session.scalar(select(User).where(User.email == email)):
        raise AccountError(f"{email} already has an account")
    check_password(password)
    user = User(email=email, name=name.strip() or email, password_hash=hasher.hash(password), is_admin=admin)
    session.add(user)
    session.flush()
    session.add(AuditEntry(action="user-added", user_id=user.id, comment=f"{email}{' (administrator)' if admin else ''}"))
    return user


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AccountError(f"no account for {email}: create it with `isoko user add {email}`")
    return user


def set_role(session: Session, user: User, institution: str, role: str, granted: bool = True) -> None:
    """Give (or with granted=False take back) `role` for `institution` (a slug; "*" for the
    global roles translator and kirundi-reviewer)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    institution = "*" if role in GLOBAL_ROLES else institution
    current = next((m for m in user.memberships if m.institution == institution and m.role == role), None)
    if granted and current is None:
        user.memberships.append(Membership(institution=institution, role=role))
    elif not granted and current is not None:
        user.memberships.remove(current)
    session.add(AuditEntry(action="role-granted" if granted else "role-removed", user_id=user.id,
                           comment=f"{role} of {institution}"))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, if the password is right and the account active and not locked; None otherwise."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _verify(_UNKNOWN, password)
        return None
    if user.locked_until and user.locked_until > now():
        session.add(AuditEntry(action="login-locked", user_id=user.id))
        return None
    if not _verify(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now() + timedelta(minutes=LOCK_MINUTES), 0
        session.add(AuditEntry(action="login-failed", user_id=user.id))
        return None
    user.failed_logins, user.locked_until = 0, None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False
