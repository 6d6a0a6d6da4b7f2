"""Human labels for IRIs, fetched in one query per page and chosen in the reader's language.

The labels read from the served build's store are kept (per worker, LABELS_KEPT IRIs at most,
least recently used out): the same institutions, documents, themes and currencies are labelled on
thousands of pages, and each label costs store seeks. A build is immutable, so they never go stale;
a new build comes with a new store object, which starts with no labels kept. `kept_for` keeps
other values worked out from the served store the same way (the procedure pages' prerequisite
chains, browser_ui/workbench.py), dropped with the store.
"""

from __future__ import annotations

import threading
import unicodedata
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from flask import current_app, g, has_app_context

from sparql_endpoint.store import OxigraphStore, Store

from .language import pick
from .page_dependencies import note

LABELS_KEPT = 10_000  # about 11 MB per worker at 1M (1.1 KB an IRI, three languages)
Texts = dict[str, dict[str, str]]  # label property -> language ("" untagged) -> text

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


class Kept:
    """Values worked out from one immutable store, by key, least recently used out (thread-safe)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._values: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keys: set[str]) -> dict[str, Any]:
        with self._lock:
            found = {key: self._values[key] for key in keys if key in self._values}
            for key in found:
                self._values.move_to_end(key)
        return found

    def put(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._values.update(values)
            while len(self._values) > self.capacity:
                self._values.popitem(last=False)


# weakly by store: a build's store and what was kept for it go together once it is no longer served
_kept: weakref.WeakKeyDictionary[Store, dict[str, Kept]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def kept_for(store: Store, purpose: str = "labels", capacity: int = LABELS_KEPT) -> Kept | None:
    """What is kept for `purpose` from `store` when it is the served build's local store (read-only,
    so nothing worked out from it changes; a remote store answers for successive builds, a build's
    own store is written): None otherwise."""
    if not (isinstance(store, OxigraphStore) and has_app_context()):
        return None
    if "served_store" not in g:  # once per request: it costs a readlink
        current = current_app.extensions.get("isoko.current")
        g.served_store = current.get().store if current is not None else None
    if g.served_store is not store:
        return None
    with _kept_lock:
        return _kept.setdefault(store, {}).setdefault(purpose, Kept(capacity))


def fetch_labels(store: Store, iris: set[str], language: str, order: tuple[str, ...]) -> dict[str, Label]:
    if not iris:
        return {}
    note(iris)
    kept = kept_for(store)
    texts = kept.get(iris) if kept is not None else {}
    missing = iris - texts.keys()
    if missing:
        read = _read_texts(store, missing)
        texts.update(read)
        if kept is not None:
            kept.put(read)
    labels = {}
    fallbacks = (*order, "")
    for iri, by_property in texts.items():
        for prop in LABEL_PROPERTIES:
            if by_property.get(prop):  # (`pick` finds a text in any non-empty one)
                text, lang = pick(by_property[prop], language, fallbacks)
                labels[iri] = Label(text, lang, bool(lang) and lang != language)
                break
    return labels


def _read_texts(store: Store, iris: set[str]) -> dict[str, Texts]:
    """The label texts of each of `iris` (empty for those without a label)."""
    values = " ".join(f"<{iri}>" for iri in sorted(iris))
    # One VALUES and a FILTER: with a second VALUES for ?p, pyoxigraph scans every triple
    # (282 ms for 30 IRIs at 1M triples, against 4 ms; benchmarks/README.md).
    rows = store.select(PREFIXES + f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} "
                        f"?x ?p ?l FILTER(?p IN ({', '.join(LABEL_PROPERTIES)})) }}")
    found: dict[str, Texts] = {iri: {} for iri in iris}
    for row in rows:
        literal = row["l"]
        if isinstance(literal, ox.Literal):
            by_property = found[row["x"].value].setdefault(_short(row["p"].value), {})
            by_property.setdefault(literal.language or "", literal.value)
    return found


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
    if text.isascii():  # nothing to decompose (most titles: a tenth of an entity page's time otherwise)
        return text.casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def sort_key(label: "Label | None", fallback: str = "") -> str:
    """Alphabetical order that ignores accents and case (É sorts with E)."""
    return fold(label.text if label else fallback)
