"""SPARQL 1.1 Protocol (query operation) at /sparql: read-only, limited in time and rows, cacheable."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime
from functools import lru_cache

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.http import parse_accept_header

from isoko.http import put_headers

from .examples import examples
from .admission import RETRY_AFTER_SECONDS, Busy
from .engine import admitted, cached_or_admitted, served  # noqa: F401  (served: also imported from here)
from .executor import Answer, QueryTimeout
from .result_cache import Request as Asked
from .forward import answer_as_sparql
from .negotiation import choose
from .results_table import html_results
from .service_description import describe
from .store import GRAPH_FORMATS, RESULT_FORMATS

blueprint = Blueprint("sparql", __name__, template_folder="templates")
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
READ_ONLY = "SPARQL Update is not accepted here: this endpoint is read-only."


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain", headers=headers)


def _query_text() -> tuple[str | None, Response | None]:
    """The request's query, or the protocol error to answer (W3C SPARQL 1.1 Protocol, section 2):
    one query per request, updates refused on every method, bodies only in the two query media
    types and in UTF-8."""
    content_type = (request.mimetype or "").lower() if request.method == "POST" else ""
    form = request.form if content_type == FORM_MEDIA_TYPE else None
    queries = request.args.getlist("query") + (form.getlist("query") if form is not None else [])
    updates = request.args.getlist("update") + (form.getlist("update") if form is not None else [])
    if content_type == QUERY_MEDIA_TYPE:
        queries.append(None)  # the body, read below once the parameters are known to be right
    if content_type == UPDATE_MEDIA_TYPE:
        updates.append(None)
    if len(queries) > 1:
        return None, _error(400, "More than one query in this request: send one `query` (SPARQL 1.1 "
                                 "Protocol, 2.1), either in the URL, the form or the body.")
    if queries and updates:
        return None, _error(400, "A request carries a query or an update, not both.")
    if updates:
        how = " (and an update is never sent with GET)" if request.method == "GET" else ""
        return None, _error(403, READ_ONLY + how)
    if request.method == "GET" or content_type == FORM_MEDIA_TYPE:
        return (queries[0] if queries else None), None
    if content_type != QUERY_MEDIA_TYPE:
        return None, _error(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                                 "or as application/sparql-query.")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return None, _error(415, f"A query is sent in UTF-8, not {charset} (SPARQL 1.1 Protocol, 2.1.3).")
    try:
        return request.get_data().decode("utf-8"), None
    except UnicodeDecodeError as err:
        return None, _error(400, f"The query is not valid UTF-8 (byte {err.start}): send it in UTF-8.")


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "ETag, Isoko-Row-Limit",
}


@blueprint.after_request
def _cors_and_cache(response: Response) -> Response:
    put_headers(response, CORS_HEADERS)
    response.vary.add("Accept")
    return response


@blueprint.record_once
def _install_fast_path(state) -> None:
    from .fast_path import install  # it imports this module
    install(state.app)


@blueprint.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    return Response(status=204)


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, error = _query_text()
    if error:
        return error
    build = served()
    if query is None or not query.strip():
        if request.method == "POST":
            return _error(400, "Missing `query` parameter.")
        return _service_description(build)
    arguments = request.args if request.method == "GET" else request.values
    default_graphs = arguments.getlist("default-graph-uri")
    named_graphs = arguments.getlist("named-graph-uri")
    try:
        if _wants_html(arguments):  # a results table page (results_table.py)
            return admitted(lambda budget: html_results(build, query, default_graphs, named_graphs, budget))
        asked = Asked(query, tuple(default_graphs), tuple(named_graphs), request.headers.get("Accept", ""),
                      arguments.get("format") or "", request.base_url)
        result = cached_or_admitted(current_app._get_current_object(), build, request.remote_addr or "", asked)
    except (Busy, QueryTimeout) as refused:
        return refusal(refused)
    return _respond(result, build)


def refusal(refused: Busy | QueryTimeout) -> Response:
    """The answer to a query the endpoint did not run (no slot free) or stopped (its timeout)."""
    if isinstance(refused, Busy):
        return _error(refused.status, f"Too busy: {refused}. Try again in {RETRY_AFTER_SECONDS} s.",
                      {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _error(503, f"Query timeout: {refused}. Narrow the query or add a LIMIT.")


def _respond(result: Answer, build) -> Response:
    return answer_response(result, build, request, current_app.config["ISOKO"].result_limit)


def answer_response(result: Answer, build, asking: WerkzeugRequest, row_limit: int) -> Response:
    """The response carrying `result` (before the after-request hooks), for the request `asking`."""
    response = Response(result.body, status=result.status, mimetype=result.media_type)
    if result.status == 200:
        response.set_etag(f"{build.id}-{_digest(asking)}")
        if result.limited:
            response.headers["Isoko-Row-Limit"] = str(row_limit)
        response.headers["Cache-Control"] = "public, max-age=60"
        if build.info.get("created"):
            response.headers["Last-Modified"] = _http_date(build.info["created"])
        response.make_conditional(asking)
    return response


@lru_cache(maxsize=8)  # one per build served
def _http_date(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso), usegmt=True)


def _digest(req: WerkzeugRequest) -> str:
    text = "\n".join((req.full_path, req.get_data(as_text=True), req.headers.get("Accept", "")))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _wants_html(arguments, accept_header: str | None = None) -> bool:
    """The results page for `format=html`, and without `format` for a client that prefers HTML to
    every result format (a browser opening a /sparql?query=… link); `*/*` still gets SPARQL JSON.
    `accept_header`: the request's Accept header (default: that of Flask's request)."""
    if arguments.get("format"):
        return arguments["format"].lower() == "html"
    return _prefers_html(request.headers.get("Accept", "") if accept_header is None else accept_header)


@lru_cache(maxsize=512)  # clients send a handful of Accept headers; matching one costs 10 % of a cached answer
def _prefers_html(accept_header: str) -> bool:
    accept = parse_accept_header(accept_header, MIMEAccept)
    offered = [*RESULT_FORMATS, *GRAPH_FORMATS, "text/html"]  # HTML last: it loses every tie
    return bool(accept) and choose(offered, accept, None) == "text/html"


def _service_description(build) -> Response:
    if "example" in request.args:
        return _example(request.args["example"])
    offered = ["text/html", *GRAPH_FORMATS]
    media_type = choose(offered, request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return _error(406, "Available: " + ", ".join(offered))
    if media_type == "text/html":
        return _form(request.args.get("example_query", ""))
    graphs = build.info.get("graphs", {})
    return Response(describe(request.base_url, graphs, media_type), mimetype=media_type)


def _form(query: str) -> Response:
    """The query page: a form (works without JavaScript) and the examples by name."""
    response = Response(render_template("sparql_form.html", examples=examples(), query=query), mimetype="text/html")
    response.vary.add("Accept-Language")
    return response


def _example(name: str) -> Response:
    """`?example=<name>`: that example query in the form, or, with `format=`, its answer (as if
    sent as `query=`)."""
    found = next((example for example in examples() if example.name == name), None)
    if found is None:
        return _error(404, f"There is no example query named {name!r}: the examples are listed on /sparql.")
    if request.args.get("format"):
        return answer_as_sparql(found.body)
    return _form(found.body)
