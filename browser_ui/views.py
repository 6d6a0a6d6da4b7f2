"""Pages: the procedure list and the generic entity page, each also available as RDF."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, url_for

from loaders.kinds import KINDS, SLUG
from sparql_endpoint.negotiation import choose
from sparql_endpoint.engine import served

from .chrome import same_on_every_page
from .history_views import last_changed
from .labels import Label, fetch_labels, local_name, sort_key
from .markup import external, link_to, name_of, names, text
from .pages import (concept_page, institution_page, institutions_index, procedure_counts, resources_of_type,
                    scheme_members)
from .page_cache import also_on_hit, expires_in
from .page_dependencies import note, note_links_to, noted, track
from .paging import page_of, titles_by_kind
from .popularity import count_view, most_viewed
from .procedure import Link, ProcedurePage, build_page as procedure_page
from .schema_org import schema_org
from .search import SearchUnavailable, index_path
from .language import COOKIE, preferred_language

blueprint = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")
for helper in (text, link_to, external, name_of, names, same_on_every_page):  # for every page's template
    blueprint.add_app_template_global(helper)
RDF_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}
PAGE_TYPES = ["text/html", *RDF_TYPES.values()]
PAGES = {"procedure": procedure_page, "institution": institution_page,
         **{kind: concept_page(kind) for kind in ("theme", "event", "place", "term")}}
TEMPLATES = {"theme": "concept.html", "event": "concept.html", "place": "concept.html", "term": "concept.html"}
POPULAR_SECONDS = 60  # how long the home page's "most viewed" may lag behind the counter
FIRST = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://purl.org/dc/terms/title",
         "http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/description")


@dataclass
class Value:
    text: str
    href: str | None = None
    language: str = ""
    fallback: bool = False
    node: list["Row"] | None = None
    iri: str = ""  # the IRI this value names, when it names one


@dataclass
class Row:
    property: str
    label: Label | None
    values: list[Value] = field(default_factory=list)


def _config():
    return current_app.config["ISOKO"]


def local_href(iri: str) -> str | None:
    base = _config().base_iri
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base):]
    return iri if iri.startswith(("http://", "https://")) else None


def _page(template: str, **context) -> Response:
    language = preferred_language()
    response = make_response(render_template(template, lang=language, **context))
    if request.args.get("lang") == language:
        response.set_cookie(COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    # Pages change only with the build (and the reader's language): cacheable, revalidated by ETag.
    response.set_etag(f"{served().id}-{language}-{hashlib.sha256(request.full_path.encode()).hexdigest()[:12]}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@blueprint.route("/")
def home() -> Response:
    language, config = preferred_language(), _config()
    store = served().store
    themes = scheme_members(store, config.id_base + "theme/", language, config.languages, local_href)
    events = scheme_members(store, config.id_base + "event/", language, config.languages, local_href)
    counts = {**procedure_counts(store, "cv:thematicArea"), **procedure_counts(store, "cv:isGroupedBy")}
    viewed = [iri for iri, _ in most_viewed(config.var_dir / "views.sqlite")]
    expires_in(POPULAR_SECONDS)  # "most viewed" changes without a new build
    popular = _procedure_links(store, viewed, language)
    total = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> }")[0]["n"].value)
    return _page("home.html", themes=[t for t in themes if counts.get(t.iri)],
                 events=[e for e in events if counts.get(e.iri)], counts=counts, popular=popular, total=total)


def _procedure_links(store, iris: list[str], language: str) -> list[Link]:
    labels = fetch_labels(store, set(iris), language, _config().languages)
    return [Link(local_href(i), labels.get(i), i) for i in iris if i in labels]


@blueprint.route("/procedures")
def procedures() -> Response:
    page = page_of(_all_procedures(preferred_language()), request.args.get("page", 1, type=int))
    return _page("procedures.html", page=page)


def _all_procedures(language: str) -> list[Link]:
    """Every procedure, by title: from the build's search index, else (a remote store whose build
    is not here) through the store."""
    config = _config()
    try:
        titled = titles_by_kind(index_path(config, served().id), "procedure", language, config.languages)
        return [Link(local_href(iri), label, iri) for iri, label in titled]
    except SearchUnavailable:
        store = served().store
        rows = store.select("SELECT ?p WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> }")
        links = _procedure_links(store, [r["p"].value for r in rows], language)
        return sorted(links, key=lambda link: (sort_key(link.label, link.iri), link.iri))


@blueprint.route("/institutions")
def institutions() -> Response:
    config = _config()
    return _page("institutions.html", tree=institutions_index(served().store, preferred_language(),
                                                               config.languages, local_href))


@blueprint.route("/faq")
def faq() -> Response:
    config = _config()
    return _page("faq.html", questions=resources_of_type(served().store, "schema:Question", preferred_language(),
                                                         config.languages), href=local_href)


@blueprint.route("/glossary")
def glossary() -> Response:
    config = _config()
    store = served().store
    terms = resources_of_type(store, "skos:Concept", preferred_language(), config.languages,
                              scheme=config.id_base + "term/")
    return _page("glossary.html", terms=terms, href=local_href)


@blueprint.route("/places")
def places() -> Response:
    config = _config()
    store = served().store
    provinces = [p for p in resources_of_type(store, "dct:Location", preferred_language(), config.languages)
                 if "https://data.isoko.bi/def/place-type/province" in p.links("dct:type")]
    communes = {p.iri: scheme for p in provinces
                for scheme in [concept_page("place")(store, p.iri, preferred_language(), config.languages, local_href)]}
    return _page("places.html", provinces=provinces, communes=communes, href=local_href)


@blueprint.route("/id/<kind>/<slug>")
@blueprint.route("/id/<kind>/<slug>.<ext>")
def entity(kind: str, slug: str, ext: str | None = None) -> Response:
    if kind not in KINDS or not SLUG.match(slug) or (ext and ext not in RDF_TYPES):
        abort(404)
    iri = f"{_config().id_base}{kind}/{slug}"
    _track(iri)
    build = served()
    if ext:
        media_type = RDF_TYPES[ext]
    else:
        media_type = choose(PAGE_TYPES, request.accept_mimetypes, request.args.get("format"))
        if media_type is None:
            return Response("Available: " + ", ".join(PAGE_TYPES) + "\n", status=406, mimetype="text/plain")
    if media_type != "text/html":
        return _rdf(build.store, iri, media_type)
    page_url = url_for("ui.entity", kind=kind, slug=slug)  # the same with ".<ext>": one URL built, not four
    alternates = {name: f"{page_url}.{name}" for name in RDF_TYPES}
    changed = last_changed(iri)
    if kind in PAGES and request.args.get("view") != "data":
        language = preferred_language()
        page = PAGES[kind](build.store, iri, language, _config().languages, local_href)
        if page is not None:
            if kind == "procedure":
                also_on_hit(count_view, _config().var_dir / "views.sqlite", iri)
            response = _page(TEMPLATES.get(kind, f"{kind}.html"), page=page, iri=iri, slug=slug,
                             alternates=alternates, schema_org=schema_org(kind, page, iri, request.base_url),
                             changed=changed)
            _chain_lookups(page)
            return response
    rows = _rows(build.store, iri)
    if not rows:
        abort(404)
    incoming = _incoming(build.store, iri)
    language = preferred_language()
    iris = {iri} | _iris(rows) | {r.property for r in rows} | {v.iri for v in incoming}
    labels = fetch_labels(build.store, iris, language, _config().languages)
    _apply_labels(rows, labels)
    for value in incoming:
        _label_value(value, labels)
    return _page("entity.html", iri=iri, title=labels.get(iri), kind=kind, rows=rows,
                 incoming=incoming, alternates=alternates, changed=changed)


@blueprint.route("/id/procedure/<slug>/checklist")
def checklist(slug: str) -> Response:
    if not SLUG.match(slug):
        abort(404)
    iri = f"{_config().id_base}procedure/{slug}"
    _track(iri)
    page = procedure_page(served().store, iri, preferred_language(), _config().languages, local_href)
    if page is None:
        abort(404)
    return _page("checklist.html", page=page, iri=iri, slug=slug)


def _chain_lookups(page) -> None:
    """A procedure page's prerequisites section found who issues each document of the chain: the
    page is stale when a procedure starts or stops issuing any document it shows (when nothing it
    requires comes from another procedure there is no such section)."""
    if isinstance(page, ProcedurePage) and any(document.issuers for document in page.required):
        note_links_to(noted(_config().id_base + "document/"))


def _track(iri: str) -> None:
    """The page of `iri` lists what it reads (its own triples, its `#` nodes' and the links to it
    are the entity's; see page_dependencies), so that a build changing none of it keeps the page."""
    track()
    note([iri])


def _described(store, iri: str) -> list[str]:
    """`iri` and its `#` nodes (fees, addresses...) at any depth, followed from the entity's own
    triples: a pattern over every subject (`FILTER(STRSTARTS(STR(?n), ...))`) would read the whole
    store, seconds at a million triples, for any URL, even one naming nothing."""
    found, frontier = [iri], [iri]
    while frontier:
        rows = store.select(f"""SELECT DISTINCT ?n WHERE {{ VALUES ?s {{ {' '.join(f'<{i}>' for i in frontier)} }}
            ?s ?p ?n FILTER(isIRI(?n) && STRSTARTS(STR(?n), "{iri}#")) }}""")
        frontier = [row["n"].value for row in rows if row["n"].value not in found]
        found += frontier
    return found


def _rdf(store, iri: str, media_type: str) -> Response:
    values = " ".join(f"<{i}>" for i in _described(store, iri))
    triples = store.run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
    body = triples.serialize(media_type)
    if not body.strip() or body.strip() in (b"[]", b"{}"):
        abort(404)
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


def _rows(store, iri: str) -> list[Row]:
    own = store.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    described = " ".join(f"<{i}>" for i in _described(store, iri)[1:])
    nested = store.select(f"SELECT ?n ?p ?o WHERE {{ VALUES ?n {{ {described} }} ?n ?p ?o }}") if described else []
    nodes: dict[str, list[Row]] = {}
    for row in nested:
        _add(nodes.setdefault(row["n"].value, []), row["p"].value, _value(row["o"], nodes))
    rows: list[Row] = []
    for row in own:
        _add(rows, row["p"].value, _value(row["o"], nodes))
    return rows


def _incoming(store, iri: str) -> list[Value]:
    note_links_to([iri])
    found = store.select(f'SELECT DISTINCT ?s WHERE {{ ?s ?p <{iri}> FILTER(!STRSTARTS(STR(?s), "{iri}#")) }} LIMIT 500')
    values = []
    for row in found:
        subject = row["s"].value.split("#", 1)[0]
        values.append(Value(local_name(subject), local_href(subject), iri=subject))
    return values


def _add(rows: list[Row], prop: str, value: Value) -> None:
    for row in rows:
        if row.property == prop:
            row.values.append(value)
            return
    rows.append(Row(prop, None, [value]))


def _value(term, nodes: dict[str, list[Row]]) -> Value:
    if isinstance(term, ox.Literal):
        return Value(term.value, language=term.language or "")
    if isinstance(term, ox.NamedNode):
        return Value(local_name(term.value), local_href(term.value), iri=term.value,
                     node=nodes.get(term.value))
    return Value(str(term))


def _iris(rows: list[Row]) -> set[str]:
    found = set()
    for row in rows:
        found.add(row.property)
        for value in row.values:
            if value.iri:
                found.add(value.iri)
            if value.node:
                found |= _iris(value.node)
    return found


def _apply_labels(rows: list[Row], labels: dict[str, Label]) -> None:
    for row in rows:
        row.label = labels.get(row.property)
        for value in row.values:
            _label_value(value, labels)
            if value.node:
                _apply_labels(value.node, labels)
    rows.sort(key=lambda r: (FIRST.index(r.property) if r.property in FIRST else len(FIRST),
                             (r.label.text if r.label else local_name(r.property)).casefold()))


def _label_value(value: Value, labels: dict[str, Label]) -> None:
    label = labels.get(value.iri)
    if label:
        value.text, value.language, value.fallback = label.text, label.language, label.fallback
