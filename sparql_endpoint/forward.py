"""Answer a query known by another name exactly as `GET /sparql?query=<text>` would.

An example query (`/sparql?example=<name>&format=…`) and a permanent link (`/q/<key>`) name a
query text; their answer is the endpoint's own for that text: the same request (headers, client
address, other parameters) dispatched again to /sparql with the text in its query string, so the
formats, negotiation, limits, admission, caching headers and any result cache are the endpoint's,
with nothing to keep in step.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import Response, current_app, request

ENDPOINT_PATH = "/sparql"
NOT_FORWARDED = ("query", "example")  # the parameters that named the query here
PERMALINK_MARK = "isoko.permalink"  # in the environ of a request forwarded from /q/<key>: the key


def answer_as_sparql(query: str, marks: dict[str, str] | None = None) -> Response:
    """The response of GET /sparql?query=`query` plus this request's other parameters, to this
    request's headers. `marks` are added to the WSGI environ (e.g. that the page is a permanent link)."""
    arguments = [(name, value) for name, value in request.args.items(multi=True) if name not in NOT_FORWARDED]
    environ = {key: value for key, value in request.environ.items()
               if key not in ("CONTENT_TYPE", "CONTENT_LENGTH", "werkzeug.request")}
    environ.update({
        "PATH_INFO": ENDPOINT_PATH,
        "QUERY_STRING": urlencode([("query", query), *arguments]),
        "REQUEST_METHOD": "HEAD" if request.method == "HEAD" else "GET",
        "wsgi.input": io.BytesIO(),
        **(marks or {}),
    })
    app = current_app._get_current_object()
    # A fresh app context: the forwarded request gets its own `g` (rate limits, database session).
    with app.app_context(), app.request_context(environ):
        return app.full_dispatch_request()


def shown_permalink() -> str | None:
    """The key of the permanent link this request was forwarded from (its results page shows it)."""
    return request.environ.get(PERMALINK_MARK)
