"""SPARQL 1.1 Protocol (query operation) at /sparql: read-only, limited in time and rows, cacheable."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from .examples import examples
from .admission import RETRY_AFTER_SECONDS, Busy
from .engine import admitted, run_query, served  # noqa: F401  (served: also imported from here)
from .executor import Answer, QueryTimeout
from .negotiation import choose
from .results_table import html_results
from .service_description import describe
from .store import GRAPH_FORMATS

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


@blueprint.after_request
def _cors_and_cache(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Isoko-Row-Limit"
    response.vary.add("Accept")
    return response


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
        if (arguments.get("format") or "").lower() == "html":  # a results table page (results_table.py)
            return admitted(lambda budget: html_results(build, query, default_graphs, named_graphs, budget))
        result = admitted(lambda budget: run_query(build, query, default_graphs, named_graphs,
                                                   request.headers.get("Accept", ""), arguments.get("format"), budget))
    except Busy as busy:
        return _error(busy.status, f"Too busy: {busy}. Try again in {RETRY_AFTER_SECONDS} s.",
                      {"Retry-After": str(RETRY_AFTER_SECONDS)})
    except QueryTimeout as err:
        return _error(503, f"Query timeout: {err}. Narrow the query or add a LIMIT.")
    return _respond(result, build)


def _respond(result: Answer, build) -> Response:
    response = Response(result.body, status=result.status, mimetype=result.media_type)
    if result.status == 200:
        response.set_etag(f"{build.id}-{_digest(request)}")
        if result.limited:
            response.headers["Isoko-Row-Limit"] = str(current_app.config["ISOKO"].result_limit)
        response.headers["Cache-Control"] = "public, max-age=60"
        if build.info.get("created"):
            from email.utils import format_datetime
            from datetime import datetime
            response.headers["Last-Modified"] = format_datetime(datetime.fromisoformat(build.info["created"]),
                                                                usegmt=True)
        response.make_conditional(request)
    return response


def _digest(req) -> str:
    import hashlib
    text = "\n".join((req.full_path, req.get_data(as_text=True), req.headers.get("Accept", "")))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _service_description(build) -> Response:
    offered = ["text/html", *GRAPH_FORMATS]
    media_type = choose(offered, request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return _error(406, "Available: " + ", ".join(offered))
    if media_type == "text/html":
        return Response(render_template("sparql_form.html", examples=examples(),
                                        query=request.args.get("example_query", "")), mimetype="text/html")
    graphs = build.info.get("graphs", {})
    return Response(describe(request.base_url, graphs, media_type), mimetype=media_type)
