"""Logging in and out of the back office."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from .accounts import authenticate
from .web import blueprint, db


def login() -> Response | str:
    """The login form (its route is added by web.install, behind the login rate limit)."""
    error = ""
    if request.method == "POST":
        found = authenticate(db(), request.form.get("email", ""), request.form.get("password", ""))
        db().commit()  # failed attempts and locks are kept whatever the answer
        if found is not None:
            session.clear()
            session.permanent = True  # expires after web.SESSION_HOURS
            login_user(found)
            return redirect(_local(request.args.get("next")) or url_for("office.dashboard"))
        error = _("Wrong e-mail address or password, or the account is locked for a while after too many tries.")
    return Response(render_template("office/login.html", error=error), status=401 if error else 200)


def _local(target: str | None) -> str | None:
    """Only a path of this site (never another site's address) after logging in."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/office") else None


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("office.login"))
