"""Permanent links to SPARQL queries: `/q/<key>` (issue 18, part 3).

The query text is stored in the back office's database, content-addressed: the key is the first
KEY_CHARS characters (80 bits) of the lowercase base32 SHA-256 of the normalised text, where
normalising turns line ends into "\\n" (a browser's form sends "\\r\\n") and removes the whitespace
before and after the text, and nothing else. The same text always gets the same key, a stored row
is never changed, so making a link twice is harmless.

- `POST /q` makes one: the results page's "Permanent link" button (a form: `query` and a signed
  `token` for that query, back_office/form_tokens.py, since the public site has no session for a
  CSRF token; answered 303 to the link), or a script's `application/sparql-query` body (which no
  other site's page can send without a CORS preflight we never allow; answered 201 with Location,
  200 when it existed). At most MAX_QUERY_CHARS characters (413), CREATE_RATE per client (429).
- `GET /q/<key>` answers exactly what `GET /sparql?query=<text>` answers (forward.py): the results
  page for a browser (which then shows the link), any result format by Accept or `?format=`,
  `?view=chart`, with the endpoint's caching headers, since results change with builds.
- `GET /q/<key>.rq` is the text itself, which never changes: cached for a year, immutable.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, Flask, Response, abort, redirect, request, url_for
from flask_limiter import Limiter
from sqlalchemy.exc import IntegrityError

from back_office.form_tokens import BadSignature, SignatureExpired, form_token, read_token
from back_office.models import StoredQuery
from back_office.web import db
from isoko.config import Config

from .forward import PERMALINK_MARK, answer_as_sparql
from .protocol import FORM_MEDIA_TYPE, _query_text as request_query

blueprint = Blueprint("permalinks", __name__)
KEY_CHARS = 16
MAX_QUERY_CHARS = 10_000
CREATE_RATE = "10 per minute; 200 per day"
FORM_DAYS = 14
TOKEN_PURPOSE = "permalink"
QUERY_TEXT_TYPE = "application/sparql-query"
IMMUTABLE = "public, max-age=31536000, immutable"


def normalise(text: str) -> str:
    """The text a key is made from and that is stored: line ends as "\\n", no whitespace around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def permalink_key(text: str) -> str:
    digest = hashlib.sha256(normalise(text).encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:KEY_CHARS]


def permalink_token(query: str) -> str:
    """The token of the "Permanent link" form of the results page of `query`."""
    return form_token(TOKEN_PURPOSE, permalink_key(query))


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain", headers=headers)


def create() -> Response:
    """POST /q (its route, rate limit and CSRF exemption are added by `install`)."""
    query, error = request_query()
    if error:
        return error
    from_form = request.mimetype == FORM_MEDIA_TYPE
    text = normalise(query or "")
    if not text:
        return _message(400, "Send the query to keep: the form's `query` field, or an application/sparql-query body.")
    if len(text) > MAX_QUERY_CHARS:
        return _message(413, f"A permanent link keeps a query of at most {MAX_QUERY_CHARS:,} characters; "
                             f"this one has {len(text):,}.")
    if from_form:
        refusal = _form_refusal(permalink_key(text))
        if refusal:
            return _message(400, refusal)
    key, created = _store(text)
    location = url_for("permalinks.show", key=key, _external=True)
    if from_form:
        return redirect(location, 303)
    return _message(201 if created else 200, location, {"Location": location})


def _form_refusal(key: str) -> str | None:
    """Why the form's token does not allow keeping this query, or None when it does."""
    try:
        allowed = read_token(TOKEN_PURPOSE, request.form.get("token", ""), FORM_DAYS)
    except SignatureExpired:
        return "This results page is too old: run the query again and use its Permanent link button."
    except BadSignature:
        return ("This form was not sent from our results page: run the query on /sparql "
                "and use its Permanent link button.")
    if allowed != [key]:
        return "This form's token belongs to another query: use the Permanent link button of its results page."
    return None


def _store(text: str) -> tuple[str, bool]:
    """The key of `text`, stored if it was not, and whether it was stored now."""
    key, session = permalink_key(text), db()
    if session.get(StoredQuery, key) is None:
        session.add(StoredQuery(key=key, text=text))
        try:
            session.commit()
            return key, True
        except IntegrityError:  # the same text, stored meanwhile by another request
            session.rollback()
    if session.get(StoredQuery, key).text != text:  # 80 bits: never met, but never answered wrongly
        abort(_message(409, f"Another query is already stored under {key}."))
    return key, False


def _stored(key: str) -> str:
    found = db().get(StoredQuery, key)
    if found is None:
        abort(_message(404, f"No query is kept under /q/{key}. A permanent link is made with the "
                            "Permanent link button of a query's results page on /sparql."))
    text = found.text
    db().close()  # before the forwarded request: it runs the query, perhaps for seconds
    return text


@blueprint.route("/q/<string(length=16):key>", methods=["GET"])
def show(key: str) -> Response:
    return answer_as_sparql(_stored(key), {PERMALINK_MARK: key})


@blueprint.route("/q/<string(length=16):key>.rq", methods=["GET"])
def source(key: str) -> Response:
    response = Response(_stored(key), mimetype=QUERY_TEXT_TYPE)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(key)
    return response.make_conditional(request)


def install(app: Flask, config: Config, limiter: Limiter) -> None:
    """The routes, their rate limits (reading: the endpoint's; making: CREATE_RATE), and the form's
    token for the results page. Needs the back office installed first (database, secret key, CSRF)."""
    app.register_blueprint(blueprint)
    limiter.limit(config.sparql_rate)(blueprint)
    view = limiter.limit(CREATE_RATE)(create)  # on the app: each app wraps the view in its own limiter
    app.add_url_rule("/q", "permalinks.create", view, methods=["POST"])
    app.extensions["csrf"].exempt(view)  # the form carries a signed token instead (no session here)
    app.jinja_env.globals["permalink_token"] = permalink_token
