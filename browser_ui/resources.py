"""Entities as Python objects for templates: all their properties, texts picked in a language.

One query fetches every triple about a set of IRIs, or only those of some properties (and their
`#` nodes such as fees and addresses); `Resource` then answers `texts`, `links` and `first`
without further queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from sparql_endpoint.store import Store

from .labels import Label
from .language import pick
from .page_dependencies import note

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dct": "http://purl.org/dc/terms/",
    "cv": "http://data.europa.eu/m8g/", "cpsv": "http://purl.org/vocab/cpsv#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#", "locn": "http://www.w3.org/ns/locn#",
    "isoko": "https://data.isoko.bi/def/isoko#", "schema": "https://schema.org/",
    "dcat": "http://www.w3.org/ns/dcat#", "eli": "http://data.europa.eu/eli/ontology#",
}


def iri(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return NS[prefix] + local


@dataclass
class Resource:
    iri: str
    language: str
    order: tuple[str, ...]
    properties: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    nodes: dict[str, "Resource"] = field(default_factory=dict)

    def terms(self, curie: str) -> list:
        return self.properties.get(iri(curie), [])

    def text(self, curie: str) -> Label | None:
        """The property's text in the reader's language, else by fallback order."""
        texts: dict[str, str] = {}
        for term in self.terms(curie):
            if isinstance(term, ox.Literal):
                texts.setdefault(term.language or "", term.value)
        chosen = pick(texts, self.language, (*self.order, ""))
        if not chosen:
            return None
        text, lang = chosen
        return Label(text, lang, bool(lang) and lang != self.language)

    def texts(self, curie: str) -> list[Label]:
        """All values in the best available language (for multi-valued keywords and labels)."""
        by_language: dict[str, list[str]] = defaultdict(list)
        for term in self.terms(curie):
            if isinstance(term, ox.Literal):
                by_language[term.language or ""].append(term.value)
        for lang in (self.language, *self.order, "", *sorted(by_language)):
            if by_language.get(lang):
                return [Label(t, lang, bool(lang) and lang != self.language) for t in sorted(by_language[lang])]
        return []

    def links(self, curie: str) -> list[str]:
        return sorted(t.value for t in self.terms(curie) if isinstance(t, ox.NamedNode))

    def first(self, curie: str) -> str | None:
        values = self.terms(curie)
        return values[0].value if values else None

    def node_list(self, curie: str) -> list["Resource"]:
        return [self.nodes[i] for i in self.links(curie) if i in self.nodes]

    def has_type(self, curie: str) -> bool:
        return iri(curie) in self.links("rdf:type")

    @property
    def label(self) -> Label | None:
        for curie in ("skos:prefLabel", "dct:title", "schema:name", "skos:notation"):
            found = self.text(curie)
            if found:
                return found
        return None


def _triples(store: Store, subjects: list[str], properties: tuple[str, ...] | None = None) -> list[tuple[str, str, ox.Term]]:
    """(subject, predicate IRI, object) of every triple about `subjects`."""
    # A FILTER, not a second VALUES (which makes pyoxigraph scan every triple: labels.py)
    only = f"FILTER(?p IN ({', '.join(f'<{iri(c)}>' for c in properties)}))" if properties else ""
    if len(subjects) == 1:  # a constant subject, no VALUES join: 25 us less a lookup at 1M
        [subject] = subjects
        rows = store.select(f"SELECT DISTINCT ?p ?o WHERE {{ <{subject}> ?p ?o {only} }}")
        return [(subject, row["p"].value, row["o"]) for row in rows]
    values = " ".join(f"<{i}>" for i in subjects)
    rows = store.select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o {only} }}")
    return [(row["s"].value, row["p"].value, row["o"]) for row in rows]


def load(store: Store, iris: set[str] | list[str], language: str, order: tuple[str, ...],
         properties: tuple[str, ...] | None = None) -> dict[str, Resource]:
    """Every triple about these IRIs (only of `properties` when given: the long texts of a linked
    entity cost store reads a page does not show) and their `#` nodes, as Resources keyed by IRI
    (two lookups)."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    note(iris)
    resources = {i: Resource(i, language, order) for i in iris}
    nodes: dict[str, Resource] = {}
    for subject, predicate, obj in _triples(store, iris, properties):
        owner = resources[subject]
        owner.properties[predicate].append(obj)
        if isinstance(obj, ox.NamedNode) and obj.value.startswith(owner.iri + "#"):
            owner.nodes[obj.value] = nodes.setdefault(obj.value, Resource(obj.value, language, order))
    if nodes:
        for subject, predicate, obj in _triples(store, sorted(nodes)):
            nodes[subject].properties[predicate].append(obj)
    return {i: r for i, r in resources.items() if r.properties}
