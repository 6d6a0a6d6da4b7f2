"""Readers' feedback: "Is something wrong or missing on this page?" on every procedure page.

The form works without JavaScript and without a session (public pages have none): it carries a
signed token naming the page and the build the reader saw (itsdangerous, FORM_DAYS valid), which
stands for the CSRF token, and a honeypot field that people leave empty and bots fill. Each client
address may send FEEDBACK_RATE; a message has MESSAGE_CHARS at most, a contact CONTACT_CHARS.
A message goes to the back office's inbox of the institution competent for the procedure and is
never shown to other readers; the public only sees how many are open and closed per institution.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from browser_ui.language import preferred_language
from loaders.kinds import SLUG
from sparql_endpoint.engine import served
from sparql_endpoint.negotiation import choose

from .form_tokens import BadSignature, SignatureExpired, form_token as signed_token, read_token
from .models import Feedback
from .permissions import institutions_of, read_record
from .web import db

blueprint = Blueprint("feedback", __name__, template_folder="templates")
FORM_DAYS = 14
FEEDBACK_RATE = "5 per minute; 30 per day"
MESSAGE_CHARS, CONTACT_CHARS, MIN_MESSAGE = 2000, 200, 5
HONEYPOT = "website"


def form_token(kind: str, slug: str, build_id: str) -> str:
    """The token of the feedback form on the page of kind/slug in build `build_id`."""
    return signed_token("feedback", kind, slug, build_id)


def _answer(template: str, status: int, **context) -> Response:
    response = Response(render_template(template, lang=preferred_language(), **context), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def receive(kind: str, slug: str) -> Response:
    """POST /feedback/<kind>/<slug> (its route and rate limit are added by web.install)."""
    if kind != "procedure" or not SLUG.match(slug):
        abort(404)
    config = current_app.config["ISOKO"]
    record = read_record(config, kind, slug)
    if record is None:
        abort(404)
    back = f"/id/{kind}/{slug}"
    try:
        token_kind, token_slug, build_id = read_token("feedback", request.form.get("token", ""), FORM_DAYS)
    except SignatureExpired:
        return _answer("feedback_sent.html", 400, back=back, problem=_(
            "This form is too old: reload the page and write your message again."))
    except (BadSignature, ValueError):
        return _answer("feedback_sent.html", 400, back=back, problem=_(
            "This form was not sent from our page: open the page and use its form."))
    if (token_kind, token_slug) != (kind, slug):
        return _answer("feedback_sent.html", 400, back=back, problem=_("This form belongs to another page."))
    message = request.form.get("message", "").strip()
    contact = request.form.get("contact", "").strip()
    if request.form.get(HONEYPOT):
        return _answer("feedback_sent.html", 200, back=back, problem="")  # a bot: thanked, not kept
    if not MIN_MESSAGE <= len(message) <= MESSAGE_CHARS or len(contact) > CONTACT_CHARS:
        return _answer("feedback_sent.html", 400, back=back, problem=_(
            "Write between %(low)d and %(high)d characters, and at most %(contact)d for the contact.",
            low=MIN_MESSAGE, high=MESSAGE_CHARS, contact=CONTACT_CHARS))
    institutions = institutions_of(config, kind, slug, record)
    db().add(Feedback(kind=kind, slug=slug, institution=institutions[0] if institutions else "*", build_id=build_id,
                      language=preferred_language(), message=message, contact=contact))
    db().commit()
    return _answer("feedback_sent.html", 200, back=back, problem="")


@blueprint.route("/feedback")
def counts() -> Response:
    """How many messages each institution has open and closed (public; never their text)."""
    rows = db().execute(select(Feedback.institution, Feedback.state, func.count())
                        .group_by(Feedback.institution, Feedback.state)).all()
    table: dict[str, dict[str, int]] = {}
    for institution, state, number in rows:
        table.setdefault(institution, {"open": 0, "closed": 0})[state] = number
    if choose(["text/html", "application/json"], request.accept_mimetypes, request.args.get("format")) == "application/json":
        response = jsonify({"institutions": table})
    else:
        response = Response(render_template("feedback_counts.html", table=sorted(table.items()),
                                            lang=preferred_language(), build=served().id))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
