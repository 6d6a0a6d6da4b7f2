"""History of an entity: its versions with what changed, each version as RDF, and the "last
changed" line of every entity page (from the served build's history.sqlite)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from loaders.kinds import KINDS, SLUG
from sparql_endpoint.engine import served
from sparql_endpoint.history import Version
from sparql_endpoint.ldes import FORMATS, history_or_none, member_quads, served_history, serialize
from sparql_endpoint.negotiation import choose

from .change_text import describe
from .language import preferred_language

blueprint = Blueprint("history", __name__, template_folder="templates")


@dataclass
class Entry:
    date: str  # the build's time, ISO 8601 UTC
    change: str  # created, changed, removed
    version: str  # the version's IRI
    href: str  # where this server answers for it
    changes: list[str]


def last_changed(iri: str) -> dict | None:
    """{date, href} of the entity's latest version, for the footer of its page."""
    history = history_or_none()
    changed = history.last_change(iri) if history else None
    if changed is None:
        return None
    kind, slug = iri[len(current_app.config["ISOKO"].id_base):].split("/", 1)
    return {"date": changed[:10], "href": url_for("history.entity_history", kind=kind, slug=slug)}


def entries(versions: list[Version], language: str) -> list[Entry]:
    """The versions, newest first, each with its changes from the one before."""
    config, store = current_app.config["ISOKO"], served().store
    found, previous = [], b""
    for version in versions:
        description = version.description
        changes = (describe(store, version.entity, previous, description, language, config.languages)
                   if version.change == "changed" else [])
        kind, slug = version.entity[len(config.id_base):].split("/", 1)
        found.append(Entry(version.created, version.change, version.iri,
                           url_for("history.version", kind=kind, slug=slug, build_id=version.build_id), changes))
        previous = description
    return found[::-1]


def _entity(kind: str, slug: str) -> str:
    if kind not in KINDS or not SLUG.match(slug):
        abort(404)
    return f"{current_app.config['ISOKO'].id_base}{kind}/{slug}"


@blueprint.route("/id/<kind>/<slug>/history")
def entity_history(kind: str, slug: str) -> Response:
    iri = _entity(kind, slug)
    versions = served_history().versions_of(iri)
    if not versions:
        abort(404, f"{iri} has no version in this catalogue's history")
    media_type = choose(["text/html", "application/json"], request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return Response("Available: text/html, application/json\n", status=406, mimetype="text/plain")
    listed = entries(versions, preferred_language())
    if media_type == "application/json":
        response = jsonify({"entity": iri, "versions": [asdict(e) for e in listed]})
    else:
        response = Response(render_template("history.html", iri=iri, kind=kind, slug=slug, entries=listed,
                                            lang=preferred_language()), mimetype="text/html")
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    response.set_etag(f"{served().id}-{preferred_language()}-{media_type}")
    return response.make_conditional(request)


@blueprint.route("/id/<kind>/<slug>/version/<build_id>")
def version(kind: str, slug: str, build_id: str) -> Response:
    """One version as RDF (the change stream's member), or its place in the history page."""
    iri = _entity(kind, slug)
    found = served_history().version(iri, build_id)
    if found is None:
        abort(404, f"no version {build_id} of {iri}: see {url_for('history.entity_history', kind=kind, slug=slug)}")
    offered = ["text/html", *FORMATS]
    media_type = choose(offered, request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return Response("Available: " + ", ".join(offered) + "\n", status=406, mimetype="text/plain")
    if media_type == "text/html":
        anchor = url_for("history.entity_history", kind=kind, slug=slug) + f"#v-{found.build_id}"
        return Response(status=303, headers={"Location": anchor, "Vary": "Accept"})
    response = Response(serialize(member_quads(found), media_type), mimetype=media_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"  # a version never changes
    response.vary.add("Accept")
    return response
