"""Signed tokens for the public site's forms, which have no session (public pages stay cacheable).

A form of the public site (readers' feedback, a query's permanent link) carries a token signed with
the app's secret key (itsdangerous) that names what the form is about; it stands for the CSRF token
of session-based forms: a POST without a token made by our page is refused. Each purpose signs with
its own salt, so a token made for one form is worthless on another. A cached page that carries a
token is kept at most TOKEN_PAGE_SECONDS, well within the tokens' validity.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from browser_ui.page_cache import expires_in

TOKEN_PAGE_SECONDS = 86400

__all__ = ["BadSignature", "SignatureExpired", "form_token", "read_token"]


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"isoko-{purpose}")


def form_token(purpose: str, *fields: str) -> str:
    """The token of a form of `purpose` about `fields` (e.g. the page and build it is on)."""
    expires_in(TOKEN_PAGE_SECONDS)
    return _signer(purpose).dumps(list(fields))


def read_token(purpose: str, token: str, max_days: float) -> list[Any]:
    """The fields a token of `purpose` names. Raises `SignatureExpired` when it is older than
    `max_days`, `BadSignature` when our site did not make it (for this purpose)."""
    fields = _signer(purpose).loads(token, max_age=int(max_days * 86400))
    if not isinstance(fields, list):
        raise BadSignature("not a form token")
    return fields
