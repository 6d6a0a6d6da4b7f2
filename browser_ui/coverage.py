"""The translation coverage board (/translations): per institution and kind, how many titles each
language has and how many of those are reviewed; and the most consulted procedures still without
a reviewed Kirundi title, which translators should take first. Public, like every page here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from sparql_endpoint.engine import served
from sparql_endpoint.negotiation import choose

from .labels import fetch_labels
from .language import preferred_language
from .page_cache import expires_in
from .popularity import most_viewed

blueprint = Blueprint("coverage", __name__, template_folder="templates")
KINDS = {"procedure": "cpsv:PublicService", "institution": "cv:PublicOrganisation", "office": "cv:Channel",
         "document": "isoko:Document"}
PRIORITY = 20
PRIORITY_SECONDS = 60
QUERY = """PREFIX cpsv: <http://purl.org/vocab/cpsv#> PREFIX cv: <http://data.europa.eu/m8g/>
PREFIX dct: <http://purl.org/dc/terms/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX isoko: <https://data.isoko.bi/def/isoko#>
SELECT ?entity ?kind ?institution ?language ?review WHERE {
  VALUES (?class ?kind) { %s }
  ?entity a ?class .
  OPTIONAL { ?entity cv:hasCompetentAuthority|cv:ownedBy ?owner }
  BIND(COALESCE(?owner, IF(?kind = "institution", ?entity, ?unknown)) AS ?institution)
  OPTIONAL { ?entity dct:title|skos:prefLabel ?title BIND(LANG(?title) AS ?language) }
  OPTIONAL { ?entity isoko:needsReview ?review }
}"""


@dataclass
class Row:
    institution: str
    kind: str
    entities: set[str] = field(default_factory=set)
    titled: Counter = field(default_factory=Counter)  # language -> entities with a title in it
    reviewed: Counter = field(default_factory=Counter)  # ... whose text in it is not awaiting review


def coverage(store, languages: tuple[str, ...]) -> list[Row]:
    values = " ".join(f'({cls} "{kind}")' for kind, cls in KINDS.items())
    rows: dict[tuple[str, str], Row] = {}
    titled: dict[tuple[str, str, str], set[str]] = {}
    review: dict[str, set[str]] = {}
    for found in store.select(QUERY % values):
        entity, kind = found["entity"].value, found["kind"].value
        institution = found["institution"].value if found.get("institution") else ""
        row = rows.setdefault((institution, kind), Row(institution, kind))
        row.entities.add(entity)
        if found.get("language"):
            titled.setdefault((institution, kind, found["language"].value), set()).add(entity)
        if found.get("review"):
            review.setdefault(entity, set()).add(found["review"].value)
    for (institution, kind, language), entities in titled.items():
        if language in languages:
            row = rows[(institution, kind)]
            row.titled[language] = len(entities)
            row.reviewed[language] = sum(1 for e in entities if language not in review.get(e, set()))
    return sorted(rows.values(), key=lambda r: (r.institution, list(KINDS).index(r.kind)))


@blueprint.route("/translations")
def board() -> Response:
    config, build = current_app.config["ISOKO"], served()
    language = preferred_language()
    expires_in(PRIORITY_SECONDS)  # the "Kirundi first" list follows the view counter, not only builds
    rows = coverage(build.store, config.languages)
    labels = fetch_labels(build.store, {r.institution for r in rows if r.institution}, language, config.languages)
    procedures = {e for r in rows if r.kind == "procedure" for e in r.entities}
    kirundi_done = _reviewed_in(build.store, "rn")
    viewed = [iri for iri, _ in most_viewed(config.var_dir / "views.sqlite", limit=500)]
    first = [iri for iri in viewed if iri in procedures and iri not in kirundi_done][:PRIORITY]
    first += sorted(procedures - kirundi_done - set(first))[:PRIORITY - len(first)]
    first_labels = fetch_labels(build.store, set(first), language, config.languages)
    first_links = [("/" + iri[len(config.base_iri):], first_labels.get(iri)) for iri in first]
    totals = {lang: (sum(r.titled[lang] for r in rows), sum(r.reviewed[lang] for r in rows)) for lang in config.languages}
    count = sum(len(r.entities) for r in rows)
    if choose(["text/html", "application/json"], request.accept_mimetypes, request.args.get("format")) == "application/json":
        return jsonify({"entities": count, "totals": {k: {"titled": t, "reviewed": r} for k, (t, r) in totals.items()},
                        "rows": [{"institution": r.institution, "kind": r.kind, "entities": len(r.entities),
                                  "titled": dict(r.titled), "reviewed": dict(r.reviewed)} for r in rows],
                        "kirundi_first": first})
    return Response(render_template("translations.html", rows=rows, labels=labels, totals=totals, count=count,
                                    first=first_links, languages=config.languages))


def _reviewed_in(store, language: str) -> set[str]:
    query = f"""PREFIX dct: <http://purl.org/dc/terms/> PREFIX isoko: <https://data.isoko.bi/def/isoko#>
    SELECT DISTINCT ?e WHERE {{ ?e dct:title ?t FILTER(LANG(?t) = "{language}")
    FILTER NOT EXISTS {{ ?e isoko:needsReview "{language}"^^<http://www.w3.org/2001/XMLSchema#language> }} }}"""
    return {row["e"].value for row in store.select(query)}
