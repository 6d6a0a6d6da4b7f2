"""SPARQL 1.1 Protocol (query operation) at /sparql: read-only, limited in time and rows, cacheable."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from .examples import examples
from .executor import Answer, QueryExecutor, QueryTimeout, answer
from .negotiation import choose
from .results_table import html_results
from .service_description import describe
from .store import GRAPH_FORMATS

blueprint = Blueprint("sparql", __name__, template_folder="templates")
QUERY_MEDIA_TYPE = "application/sparql-query"
READ_ONLY = "SPARQL Update is not accepted here: this endpoint is read-only."


def served():
    return current_app.extensions["isoko.current"].get()


def run_query(build, query: str, default_graphs: list[str], named_graphs: list[str], accept: str,
              format_param: str | None) -> Answer:
    """One protocol query: on the build's oxigraph sidecar, or on the remote store it lives in."""
    config = current_app.config["ISOKO"]
    if not getattr(build.store, "path", None):
        return answer(build.store, query, default_graphs, named_graphs, accept, format_param, config.result_limit)
    executor = current_app.extensions.get("isoko.executor")
    if executor is None:  # racing threads may both make one: only the one stored is kept and used
        executor = current_app.extensions.setdefault(
            "isoko.executor", QueryExecutor(timeout=config.query_timeout, limit=config.result_limit))
    return executor.run(build.store.path, query, default_graphs, named_graphs, accept, format_param)


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _query_text() -> tuple[str | None, Response | None]:
    if request.method == "GET":
        return request.args.get("query"), None
    content_type = (request.mimetype or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        if "update" in request.form:
            return None, _error(403, READ_ONLY)
        return request.form.get("query"), None
    if content_type == QUERY_MEDIA_TYPE:
        return request.get_data(as_text=True), None
    if content_type == "application/sparql-update":
        return None, _error(403, READ_ONLY)
    return None, _error(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                             "or as application/sparql-query.")


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
    if (arguments.get("format") or "").lower() == "html":  # a results table page (results_table.py)
        return html_results(build, query, default_graphs, named_graphs)
    try:
        result = run_query(build, query, default_graphs, named_graphs, request.headers.get("Accept", ""),
                           arguments.get("format"))
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
