"""The vocabulary the SPARQL workbench completes from: our prefixes (ontology/context.jsonld) and the
classes and properties the served build uses, with their labels where the build has them.

Computed once per build with one query (a scan of every triple, about a second at a million
triples), kept in memory for the build's life, and served as `/sparql/vocabulary.json`.
"""

from __future__ import annotations

import threading

from isoko.namespaces import PREFIXES

from .current import ServedBuild

# Every term used as a class (object of rdf:type) or a property, and one English (else untagged,
# else any) rdfs:label or skos:prefLabel of it.
TERMS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?kind (SAMPLE(?english) AS ?en) (SAMPLE(?plain) AS ?untagged) (SAMPLE(?other) AS ?any) WHERE {
  { SELECT DISTINCT ?term ?kind WHERE {
      { [] a ?term . BIND("class" AS ?kind) } UNION { [] ?term [] . BIND("property" AS ?kind) } } }
  OPTIONAL { ?term rdfs:label|skos:prefLabel ?label .
             BIND(IF(LANGMATCHES(LANG(?label), "en"), ?label, ?unbound) AS ?english)
             BIND(IF(LANG(?label) = "", ?label, ?unbound) AS ?plain)
             BIND(?label AS ?other) }
}
GROUP BY ?term ?kind
ORDER BY ?kind ?term
"""

_cache: dict[str, dict] = {}
_lock = threading.Lock()


def vocabulary(build: ServedBuild) -> dict:
    """`{"prefixes": {prefix: namespace}, "classes": [{"iri", "label"?}], "properties": [...]}` for
    this build, computed on first use and kept while it is served."""
    found = _cache.get(build.id)
    if found is None:
        with _lock:  # one computation per build even when several requests arrive together
            found = _cache.get(build.id)
            if found is None:
                found = _compute(build)
                _cache.clear()  # only the served build's vocabulary is kept
                _cache[build.id] = found
    return found


def _compute(build: ServedBuild) -> dict:
    terms: dict[str, list[dict[str, str]]] = {"class": [], "property": []}
    for row in build.store.select(TERMS_QUERY):
        term = {"iri": row["term"].value}
        label = next((row[name].value for name in ("en", "untagged", "any") if row.get(name) is not None), None)
        if label:
            term["label"] = label
        terms[row["kind"].value].append(term)
    return {"prefixes": dict(sorted(PREFIXES.items())), "classes": terms["class"], "properties": terms["property"]}
