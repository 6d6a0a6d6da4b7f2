"""The change stream: a Linked Data Event Stream (https://w3id.org/ldes) of the entities' versions.

`/feed/ldes` is the root: the `ldes:EventStream` (its version and timestamp paths, its shape) and
its view, with a relation to each page; `/feed/ldes/{n}` is a page of members (see
loaders/versions.py for how versions are placed on pages), with a `tree:GreaterThanOrEqualToRelation`
on `prov:generatedAtTime` to the next page. Every page but the last can no longer change and is
served as immutable for a year; the root and the last page for a minute.

A member is a version object: `dct:isVersionOf` the entity, `prov:generatedAtTime` the build's time,
typed `as:Create`, `as:Update` or `as:Delete` (a removal: also `as:Tombstone`, without
description), in the default graph; and the entity's description at that version with the
version IRI as subject, its `#` nodes (fees, conditions...) under their own IRIs, each quad in its
named graph. The stream's shape makes clients follow the links to those nodes.

Pages and nodes are named after the address they were requested at (behind a proxy, its public
address: ISOKO_PROXIES), so a client follows relations to this server; the stream itself and the
versions are named under the base IRI.
"""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, request

from isoko.namespaces import PREFIXES

from .current import build_file
from .engine import served
from .history import FILE_NAME, History, HistoryUnavailable, Version
from .negotiation import choose

blueprint = Blueprint("ldes", __name__)
FORMATS = {"application/ld+json": ox.RdfFormat.JSON_LD, "application/trig": ox.RdfFormat.TRIG,
           "application/n-quads": ox.RdfFormat.N_QUADS, "text/turtle": ox.RdfFormat.TURTLE}
IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "public, max-age=60"
LDES, TREE, SH = "https://w3id.org/ldes#", "https://w3id.org/tree#", "http://www.w3.org/ns/shacl#"
AS, PROV = "https://www.w3.org/ns/activitystreams#", "http://www.w3.org/ns/prov#"
RDF, DCT, XSD = PREFIXES["rdf"], PREFIXES["dct"], PREFIXES["xsd"]
OUTPUT_PREFIXES = {**PREFIXES, "ldes": LDES, "tree": TREE, "sh": SH, "as": AS, "prov": PROV}
VERSION_TYPES = {"created": AS + "Create", "changed": AS + "Update", "removed": AS + "Delete"}


def N(iri: str) -> ox.NamedNode:  # noqa: N802 (short, as in rdflib's URIRef use)
    return ox.NamedNode(iri)


# the served build's store -> (build id, its history): found once per build, not per request (a
# realpath and a stat), its readers' connections kept with it, and gone with the build's store
_histories: weakref.WeakKeyDictionary[Any, tuple[str, History | None]] = weakref.WeakKeyDictionary()


def history_or_none() -> History | None:
    """The served build's history, None when it has none (built before versioning, or remote)."""
    build = served()
    kept = _histories.get(build.store)
    if kept is None or kept[0] != build.id:  # a remote store object answers for successive builds
        try:
            history = History(build_file(current_app.config["ISOKO"], build.id, FILE_NAME))
        except HistoryUnavailable:
            history = None
        kept = _histories[build.store] = (build.id, history)
    return kept[1]


def served_history() -> History:
    """The served build's history, or 404."""
    history = history_or_none()
    if history is None:
        abort(404, "this build has no change history (built before versioning, or not a local build)")
    return history


def stream_iri() -> str:
    return current_app.config["ISOKO"].base_iri + "feed/ldes#stream"


def _page_url(number: int | None) -> str:
    return request.url_root + ("feed/ldes" if number is None else f"feed/ldes/{number}")


@blueprint.route("/feed/ldes")
def root() -> Response:
    history = served_history()
    stream, view = N(stream_iri()), N(_page_url(None))
    shape = N(_page_url(None) + "#shape")
    quads = [ox.Quad(stream, N(RDF + "type"), N(LDES + "EventStream")),
             ox.Quad(stream, N(LDES + "timestampPath"), N(PROV + "generatedAtTime")),
             ox.Quad(stream, N(LDES + "versionOfPath"), N(DCT + "isVersionOf")),
             ox.Quad(stream, N(LDES + "versionCreateObject"), N(AS + "Create")),
             ox.Quad(stream, N(LDES + "versionUpdateObject"), N(AS + "Update")),
             ox.Quad(stream, N(LDES + "versionDeleteObject"), N(AS + "Delete")),
             ox.Quad(stream, N(DCT + "title"), ox.Literal("Isôko: changes of the catalogue", language="en")),
             ox.Quad(stream, N(DCT + "title"), ox.Literal("Isôko : modifications du catalogue", language="fr")),
             ox.Quad(stream, N(DCT + "license"), N("https://creativecommons.org/licenses/by/4.0/")),
             ox.Quad(stream, N(TREE + "shape"), shape),
             ox.Quad(stream, N(TREE + "view"), view),
             ox.Quad(view, N(RDF + "type"), N(TREE + "Node"))]
    quads += _shape(shape, history.owning_predicates())
    # A relation to every page, not only the first: a client resuming from saved state skips the
    # immutable pages it has read and does not follow their relations, so it must find the
    # pages added since (and the formerly last page) from here.
    for number, first_time in enumerate(history.first_times()):
        quads += _relation(view, number, first_time)
    return _respond(quads, MUTABLE, f"root-{served().id}")


def _shape(shape: ox.NamedNode, predicates: list[str]) -> list[ox.Quad]:
    """A member, and each of its `#` nodes, leads through these predicates to `#` nodes whose own
    description is part of the member."""
    quads = [ox.Quad(shape, N(RDF + "type"), N(SH + "NodeShape"))]
    for number, predicate in enumerate(predicates):
        prop = N(f"{shape.value}-{number}")
        quads += [ox.Quad(shape, N(SH + "property"), prop), ox.Quad(prop, N(SH + "path"), N(predicate)),
                  ox.Quad(prop, N(SH + "node"), shape)]
    return quads


def _relation(node: ox.NamedNode, target: int, first_time: str) -> list[ox.Quad]:
    relation = ox.BlankNode()
    return [ox.Quad(node, N(TREE + "relation"), relation),
            ox.Quad(relation, N(RDF + "type"), N(TREE + "GreaterThanOrEqualToRelation")),
            ox.Quad(relation, N(TREE + "path"), N(PROV + "generatedAtTime")),
            ox.Quad(relation, N(TREE + "value"), ox.Literal(first_time, datatype=N(XSD + "dateTime"))),
            ox.Quad(relation, N(TREE + "node"), N(_page_url(target)))]


@blueprint.route("/feed/ldes/<int:number>")
def page(number: int) -> Response:
    history = served_history()
    count = history.page_count()
    if number >= count:
        abort(404, f"no page {number}: the stream has {count} page(s), 0 to {count - 1}")
    members = history.page(number)
    node, stream = N(_page_url(number)), N(stream_iri())
    quads = [ox.Quad(node, N(RDF + "type"), N(TREE + "Node"))]
    if number + 1 < count:
        quads += _relation(node, number + 1, history.first_time(number + 1))
    for version in members:
        quads.append(ox.Quad(stream, N(TREE + "member"), N(version.iri)))
        quads += member_quads(version)
    last = number + 1 == count
    tag = f"page-{number}-{members[0].seq}-{members[-1].seq}" + (f"-{served().id}" if last else "")
    return _respond(quads, MUTABLE if last else IMMUTABLE, tag)


def member_quads(version: Version) -> list[ox.Quad]:
    """The version object of `version` (see the module docstring)."""
    member, entity = N(version.iri), N(version.entity)
    quads = [ox.Quad(member, N(DCT + "isVersionOf"), entity),
             ox.Quad(member, N(PROV + "generatedAtTime"), ox.Literal(version.created, datatype=N(XSD + "dateTime"))),
             ox.Quad(member, N(RDF + "type"), N(VERSION_TYPES[version.change]))]
    if version.change == "removed":
        quads.append(ox.Quad(member, N(RDF + "type"), N(AS + "Tombstone")))
    for quad in ox.parse(version.description, format=ox.RdfFormat.N_QUADS) if version.packed else ():
        subject = member if quad.subject == entity else quad.subject
        quads.append(ox.Quad(subject, quad.predicate, quad.object, quad.graph_name))
    return quads


def serialize(quads: list[ox.Quad], media_type: str) -> bytes:
    """`quads` in one of FORMATS; Turtle has no named graphs: the triples of every graph."""
    fmt = FORMATS[media_type]
    if fmt == ox.RdfFormat.TURTLE:
        quads = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return ox.serialize(quads, format=fmt, prefixes=OUTPUT_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None)


def _respond(quads: list[ox.Quad], cache_control: str, tag: str) -> Response:
    media_type = choose(list(FORMATS), request.accept_mimetypes, request.args.get("format"))
    if media_type is None:
        return Response("Available: " + ", ".join(FORMATS) + "\n", status=406, mimetype="text/plain")
    response = Response(serialize(quads, media_type), mimetype=media_type)
    response.headers["Cache-Control"] = cache_control
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    response.set_etag(hashlib.sha256(f"{tag}-{media_type}-{request.url_root}".encode()).hexdigest()[:32])
    return response.make_conditional(request)
