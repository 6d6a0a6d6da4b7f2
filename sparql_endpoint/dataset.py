"""The dataset's description (DCAT-AP and VoID, by content negotiation) and its dumps."""

from __future__ import annotations

import os

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

from .negotiation import choose
from .engine import served
from .store import GRAPH_FORMATS

blueprint = Blueprint("dataset", __name__, template_folder="templates")
OFFERED = ["text/html", *GRAPH_FORMATS]


@blueprint.route("/catalog")
@blueprint.route("/.well-known/void")
def description() -> Response:
    build = served()
    media_type = choose(OFFERED, request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return Response("Available: " + ", ".join(OFFERED) + "\n", status=406, mimetype="text/plain")
    metadata = current_app.config["ISOKO"].graph_iri("metadata")
    if media_type == "text/html":
        response = Response(render_template("catalog.html", info=build.info, base=current_app.config["ISOKO"].base_iri),
                            mimetype="text/html")
    else:
        result = build.store.run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{metadata}> {{ ?s ?p ?o }} }}")
        response = Response(result.serialize(media_type), mimetype=media_type)
    response.vary.add("Accept")
    response.set_etag(f"{build.id}-{media_type}")
    return response.make_conditional(request)


@blueprint.route("/dumps/")
def dumps_index() -> Response:
    return Response(render_template("catalog.html", info=served().info, base=current_app.config["ISOKO"].base_iri),
                    mimetype="text/html")


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    build = served()
    known = {d["file"] for d in build.info.get("dumps", [])}
    folder = os.path.realpath(current_app.config["ISOKO"].current_link)
    path = os.path.join(folder, "dumps", name)
    if name not in known or not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype="application/gzip", as_attachment=True, download_name=name,
                         etag=f"{build.id}-{name}", conditional=True, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
