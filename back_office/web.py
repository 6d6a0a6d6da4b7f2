"""The back office in the app: its blueprint under /office, sessions and logins (Flask-Login),
CSRF on every form (Flask-WTF), the database session of a request, and the headers that keep
its pages out of every cache.

The session cookie is scoped to /office (HttpOnly, SameSite=Lax, Secure unless
ISOKO_SECURE_COOKIES=0, expiring after SESSION_HOURS), so the public pages never receive it and
stay cacheable. The secret that signs it is ISOKO_SECRET_KEY, or a random key kept in
var/secret-key (made once, shared by every serving process).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import Blueprint, Flask, Request, Response, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from isoko.config import Config
from sparql_endpoint.engine import served

from .database import database_url, engine_for, upgrade
from .models import User

blueprint = Blueprint("office", __name__, url_prefix="/office", template_folder="templates")
SESSION_HOURS = 8
LOGIN_RATE = "10 per minute; 50 per hour"  # per client address, on top of the per-account lock
OFFICE_CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; "
              "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secret_key(config: Config) -> str:
    if config.secret_key:
        return config.secret_key
    path = config.var_dir / "secret-key"
    if not path.exists():
        config.var_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".secret-key-{secrets.token_hex(4)}")
        temporary.write_text(secrets.token_hex(32))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        temporary.unlink()
    return path.read_text().strip()


def install(app: Flask, config: Config, limiter: Limiter, exempt: list[Blueprint]) -> None:
    """The back office: schema upgraded, logins, CSRF (not on `exempt`, the read-only API), routes."""
    url = database_url(config)
    upgrade(url)
    app.config.update(SECRET_KEY=secret_key(config), SESSION_COOKIE_PATH="/office", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=config.secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS), WTF_CSRF_TIME_LIMIT=None,
                      WTF_CSRF_SSL_STRICT=config.secure_cookies)
    app.extensions["isoko.database"] = url
    app.session_interface = OfficeOnlySessions()
    # Flask-Login's own context processor loads the user on every page rendered (so the public
    # pages would read the session and answer `Vary: Cookie`): only the back office's templates get it.
    logins = LoginManager(app, add_context_processor=False)
    logins.login_view = "office.login"
    logins.user_loader(lambda user_id: db().get(User, int(user_id)))
    csrf = CSRFProtect(app)
    for other in exempt:
        csrf.exempt(other)
    from . import admin_views, auth_views, draft_views, feedback, feedback_views, interface_views  # noqa: F401  (routes)
    app.register_blueprint(blueprint)
    # on the app, not the (shared) blueprint: each app wraps the view in its own limiter
    app.add_url_rule("/office/login", "office.login", limiter.limit(LOGIN_RATE, methods=["POST"])(auth_views.login),
                     methods=["GET", "POST"])
    # readers' feedback: public, without a session, so its form carries a signed token instead of the CSRF one
    app.register_blueprint(feedback.blueprint)
    receive = limiter.limit(feedback.FEEDBACK_RATE)(feedback.receive)
    app.add_url_rule("/feedback/<kind>/<slug>", "feedback.receive", receive, methods=["POST"])
    csrf.exempt(receive)
    app.jinja_env.globals["feedback_token"] = _feedback_token
    app.teardown_request(_close_session)


class OfficeOnlySessions(SecureCookieSessionInterface):
    """Sessions exist under /office only: elsewhere no session is read or saved, and nothing
    (Flask-Login's hooks included) can make a public page vary on cookies."""

    def open_session(self, app: Flask, request: Request):
        if not request.path.startswith("/office"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.path.startswith("/office"):
            super().save_session(app, session, response)


def _feedback_token(slug: str) -> str:
    from .feedback import form_token  # feedback imports this module
    return form_token("procedure", slug, served().id)


def db() -> Session:
    """The database session of this request (committed by the views that write)."""
    if "office_db" not in g:
        g.office_db = Session(engine_for(current_app.extensions["isoko.database"]), expire_on_commit=False)
    return g.office_db



def _close_session(_error: BaseException | None) -> None:
    session = g.pop("office_db", None)
    if session is not None:
        session.close()


@blueprint.context_processor
def _current_user() -> dict:
    return {"current_user": current_user}


@blueprint.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = OFFICE_CSP
    response.vary.add("Cookie")
    return response


def user() -> User:
    return current_user._get_current_object()  # the User row (Flask-Login's proxy otherwise)


def login_required(view: Callable) -> Callable:
    """Logged-in users only (others go to the login page); the session then lasts SESSION_HOURS."""
    @wraps(view)
    def checked(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)
    return checked


def forbid_unless(allowed: bool, why: str = "your account has no role that allows this") -> None:
    if not allowed:
        abort(403, why)
