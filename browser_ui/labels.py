"""Human labels for IRIs, fetched in one query per page and chosen in the reader's language."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from sparql_endpoint.store import Store

from .language import pick

LABEL_PROPERTIES = ("skos:prefLabel", "dct:title", "rdfs:label", "skos:notation")
PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@dataclass(frozen=True)
class Label:
    text: str
    language: str  # "" when untagged
    fallback: bool  # True when not in the reader's language


def fetch_labels(store: Store, iris: set[str], language: str, order: tuple[str, ...]) -> dict[str, Label]:
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in sorted(iris))
    # One VALUES and a FILTER: with a second VALUES for ?p, pyoxigraph scans every triple
    # (282 ms for 30 IRIs at 1M triples, against 4 ms; benchmarks/README.md).
    rows = store.select(PREFIXES + f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} "
                        f"?x ?p ?l FILTER(?p IN ({', '.join(LABEL_PROPERTIES)})) }}")
    found: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        literal = row["l"]
        if isinstance(literal, ox.Literal):
            by_property = found.setdefault(row["x"].value, {}).setdefault(_short(row["p"].value), {})
            by_property.setdefault(literal.language or "", literal.value)
    labels = {}
    for iri, by_property in found.items():
        for prop in LABEL_PROPERTIES:
            chosen = pick(by_property.get(prop, {}), language, (*order, ""))
            if chosen:
                text, lang = chosen
                labels[iri] = Label(text, lang, bool(lang) and lang != language)
                break
    return labels


def _short(iri: str) -> str:
    for prefix, namespace in (("skos:", "http://www.w3.org/2004/02/skos/core#"),
                              ("dct:", "http://purl.org/dc/terms/"),
                              ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#")):
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return iri


def local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def fold(text: str) -> str:
    """`text` without accents and case: "Bisindé" -> "bisinde"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def sort_key(label: "Label | None", fallback: str = "") -> str:
    """Alphabetical order that ignores accents and case (É sorts with E)."""
    return fold(label.text if label else fallback)
