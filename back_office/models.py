"""The back office's state (SQLAlchemy 2): accounts and their roles, drafts, and the audit log.

- A user has roles per institution (`Membership`): `editor` (changes what the institution is
  competent for), `reviewer` (approves or sends back its editors' drafts); `translator` and
  `kirundi-reviewer` apply to every institution (`institution` is "*"). Administrators manage
  accounts and may change any entity.
- A draft is a whole source record (YAML text) of one entity, from an author, in a state:
  draft → submitted → published, or sent back (to the author, with the reviewer's comment), or
  withdrawn. `base_hash` is the hash of the source file the draft started from (None for a new
  entity): publishing a draft whose base is no longer the file on disk is refused as a conflict.
- The audit log keeps every published change (who, when, why, the record before and after).
- Stored queries: the SPARQL texts behind the public permanent links /q/<key>, written once.

The schema is created and upgraded by the migrations in back_office/migrations/ (Alembic).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .roles import GLOBAL_ROLES, ROLES  # noqa: F401  (in their own module: the command line reads them)
STATES = ("draft", "submitted", "sent-back", "published", "withdrawn")


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC: the same on SQLite and PostgreSQL


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created: Mapped[datetime] = mapped_column(default=now)
    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                           lazy="selectin")

    # Flask-Login's user protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def roles(self, institution: str) -> set[str]:
        """The user's roles for `institution` (its slug), global roles included."""
        return {m.role for m in self.memberships if m.institution in (institution, "*")}

    def institutions(self, role: str) -> set[str]:
        return {m.institution for m in self.memberships if m.role == role}


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "institution", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    institution: Mapped[str] = mapped_column(String(100))  # slug, or "*" for a global role
    role: Mapped[str] = mapped_column(String(30))
    user: Mapped[User] = relationship(back_populates="memberships")


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("drafts_entity", "kind", "slug"), Index("drafts_queue", "institution", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    slug: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(100))  # whose editors and reviewers handle it
    translation: Mapped[bool] = mapped_column(default=False)  # a Kirundi proposal of a translator
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    base_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    record: Mapped[str] = mapped_column(Text)  # the whole source record, as YAML
    comment: Mapped[str] = mapped_column(Text, default="")  # the author's: why
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(default=now)
    updated: Mapped[datetime] = mapped_column(default=now)
    published: Mapped[datetime | None] = mapped_column(default=None)
    build_id: Mapped[str | None] = mapped_column(String(80), default=None)
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")


class AuditEntry(Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    time: Mapped[datetime] = mapped_column(default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))  # published, reverted, login-failed, user-added...
    kind: Mapped[str] = mapped_column(String(30), default="")
    slug: Mapped[str] = mapped_column(String(200), default="")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str | None] = mapped_column(Text, default=None)  # the source record before (YAML)
    after: Mapped[str | None] = mapped_column(Text, default=None)
    build_id: Mapped[str | None] = mapped_column(String(80), default=None)
    user: Mapped[User | None] = relationship(lazy="joined")


class Feedback(Base):
    """What a reader said was wrong or missing on a page: routed to the editors of the institution
    competent for it, never published; the contact is seen by that institution only."""

    __tablename__ = "feedback"
    __table_args__ = (Index("feedback_inbox", "institution", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    slug: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(100))
    build_id: Mapped[str] = mapped_column(String(80))  # the version of the page the reader saw
    language: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="open")  # open, closed
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created: Mapped[datetime] = mapped_column(default=now)
    closed: Mapped[datetime | None] = mapped_column(default=None)


class InterfaceTranslation(Base):
    """A translator's Kirundi for one interface string (a msgid of the .po catalogue): submitted,
    then published into the catalogue by a Kirundi reviewer (never its author), or sent back."""

    __tablename__ = "interface_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    msgid: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    state: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted, published, sent-back
    created: Mapped[datetime] = mapped_column(default=now)
    decided: Mapped[datetime | None] = mapped_column(default=None)
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")



class StoredQuery(Base):
    """A SPARQL query text behind a permanent link /q/<key> (sparql_endpoint/permalinks.py): the key
    is derived from the text, so a row is written once and never changed."""

    __tablename__ = "stored_queries"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(default=now)
