"""SPARQL 1.1 Protocol (query operation) at /sparql, read-only, answering from the served build."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from .negotiation import choose
from .store import QueryError

blueprint = Blueprint("sparql", __name__, template_folder="templates")
QUERY_MEDIA_TYPE = "application/sparql-query"


def served():
    return current_app.extensions["isoko.current"].get()


def _query_text() -> tuple[str | None, Response | None]:
    if request.method == "GET":
        return request.args.get("query"), None
    content_type = (request.mimetype or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        if "update" in request.form:
            return None, _error(403, "SPARQL Update is not accepted here: this endpoint is read-only.")
        return request.form.get("query"), None
    if content_type == QUERY_MEDIA_TYPE:
        return request.get_data(as_text=True), None
    if content_type == "application/sparql-update":
        return None, _error(403, "SPARQL Update is not accepted here: this endpoint is read-only.")
    return None, _error(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                             "or as application/sparql-query.")


def _error(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, error = _query_text()
    if error:
        return error
    if query is None or not query.strip():
        if request.method == "GET":
            return Response(render_template("sparql_form.html"), mimetype="text/html")
        return _error(400, "Missing `query` parameter.")
    arguments = request.args if request.method == "GET" else request.values
    build = served()
    try:
        result = build.store.run(query, default_graphs=arguments.getlist("default-graph-uri"),
                                 named_graphs=arguments.getlist("named-graph-uri"))
        media_type = choose(result.media_types, request.accept_mimetypes, arguments.get("format"))
        if media_type is None:
            return _error(406, "None of the requested formats fits this result; available: "
                               + ", ".join(result.media_types))
        body = result.serialize(media_type)
    except (QueryError, SyntaxError) as err:
        return _error(400, f"Malformed query: {err}")
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["ETag"] = f'"{build.id}"'
    return response
