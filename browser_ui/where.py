"""Where to go from where one lives (issue 17): the served build's administrative map as a place
index (every place with its type, parent and names), read with one query and kept per build; the
reader's text matched against it in Python (accents, case and punctuation ignored, word prefixes);
and the offices of a procedure, or near a place, grouped as in the reader's commune, in their
province, or elsewhere. Plain functions over a store: no Flask here (the pages: where_views.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sparql_endpoint.store import Store

from .labels import Label, fetch_labels, fold, sort_key
from .language import pick
from .resources import Resource, iri, load

PLACE_TYPE = "https://data.isoko.bi/def/place-type/"
TYPES = ("country", "province", "commune", "zone", "colline")
SEARCHED = ("commune", "zone", "colline")
GROUPS = ("commune", "province", "elsewhere")
LIMIT = 20
KEPT_BUILDS = 4
QUERY = f"""PREFIX dct: <http://purl.org/dc/terms/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?place ?type ?parent ?name WHERE {{
  VALUES ?type {{ {' '.join(f'<{PLACE_TYPE}{t}>' for t in TYPES)} }}
  ?place dct:type ?type .
  OPTIONAL {{ ?place skos:broader ?parent }}
  OPTIONAL {{ ?place skos:prefLabel ?name }}
}}"""


def normalise(text: str) -> str:
    """Lowercase ASCII-like words: "Mpinga-Kayove" and "mpinga kayové" both give "mpinga kayove"."""
    return " ".join("".join(c if c.isalnum() else " " for c in fold(text)).split())


@dataclass
class Entry:
    """One place of the index."""
    iri: str
    type: str  # one of TYPES
    parent: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # language ("" untagged) -> name
    keys: set[str] = field(default_factory=set)  # its names, normalised


class PlaceIndex:
    """Every place of a build by IRI, with its chain of parents."""

    def __init__(self, entries: dict[str, Entry]):
        self.entries = entries
        self.searchable = [e for e in entries.values() if e.type in SEARCHED]

    def chain(self, place: str) -> list[str]:
        """`place` and its parents up to the country ([] for an unknown place)."""
        found: list[str] = []
        while place in self.entries and place not in found:
            found.append(place)
            place = self.entries[place].parent or ""
        return found

    def of_type(self, chain: list[str], wanted: str) -> str | None:
        return next((p for p in chain if self.entries[p].type == wanted), None)


_INDEXES: dict[str, PlaceIndex] = {}
_LOCK = threading.Lock()


def place_index(store: Store, build: str | None = None) -> PlaceIndex:
    """The places of `store`, loaded once per build id (every time when no id is given)."""
    kept = _INDEXES.get(build) if build is not None else None
    if kept is not None:
        return kept
    entries: dict[str, Entry] = {}
    for row in store.select(QUERY):
        place = row["place"].value
        entry = entries.setdefault(place, Entry(place, row["type"].value[len(PLACE_TYPE):]))
        if row.get("parent") is not None:
            entry.parent = row["parent"].value
        if row.get("name") is not None:
            entry.names.setdefault(row["name"].language or "", row["name"].value)
            entry.keys.add(normalise(row["name"].value))
    index = PlaceIndex(entries)
    if build is not None:
        with _LOCK:  # two threads may both load it: the first kept is used
            if build not in _INDEXES:
                while len(_INDEXES) >= KEPT_BUILDS:
                    _INDEXES.pop(next(iter(_INDEXES)))
                _INDEXES[build] = index
            index = _INDEXES[build]
    return index


@dataclass
class Named:
    iri: str
    name: Label


@dataclass
class Parent(Named):
    type: str


@dataclass
class Place:
    iri: str
    slug: str
    type: str
    name: Label
    chain: list[Parent]  # its parents, nearest first, down to the province (the country left out)


def _label(entry: Entry, languages: tuple[str, ...]) -> Label:
    chosen = pick(entry.names, languages[0], (*languages[1:], ""))
    if chosen is None:
        return Label(entry.iri.rsplit("/", 1)[-1], "", False)
    return Label(chosen[0], chosen[1], bool(chosen[1]) and chosen[1] != languages[0])


def describe(index: PlaceIndex, place: str, languages: tuple[str, ...]) -> Place:
    """`place` with its names in the reader's `languages` (theirs first) and its parents."""
    entry = index.entries[place]
    parents = [index.entries[p] for p in index.chain(place)[1:]]
    return Place(place, place.rsplit("/", 1)[-1], entry.type, _label(entry, languages),
                 [Parent(p.iri, _label(p, languages), p.type) for p in parents if p.type != "country"])


def _rank(entry: Entry, wanted: list[str], index: PlaceIndex) -> int | None:
    """0: the name itself, 1: a name starting so, 2: every word starts a word of a name, 3: with
    the words of its parents' names too ("bisinde butaganzwa"); None: no match."""
    joined = " ".join(wanted)
    if joined in entry.keys:
        return 0
    if any(key.startswith(joined) for key in entry.keys):
        return 1
    own = {word for key in entry.keys for word in key.split()}
    matched = [any(word.startswith(w) for word in own) for w in wanted]
    if all(matched):
        return 2
    if not any(matched):
        return None
    around = own | {word for p in index.chain(entry.iri)[1:] for key in index.entries[p].keys for word in key.split()}
    return 3 if all(any(word.startswith(w) for word in around) for w in wanted) else None


def find_places(store: Store, text: str, languages: tuple[str, ...], build: str | None = None) -> list[Place]:
    """At most LIMIT communes, zones and collines whose name matches `text`, best first; names in
    `languages` (the reader's first)."""
    wanted = normalise(text).split()
    if not wanted:
        return []
    index = place_index(store, build)
    ranked = []
    for entry in index.searchable:
        rank = _rank(entry, wanted, index)
        if rank is not None:
            ranked.append((rank, SEARCHED.index(entry.type), min(entry.keys, default=""), entry.iri))
    ranked.sort()
    return [describe(index, found[-1], languages) for found in ranked[:LIMIT]]


def ancestors(store: Store, place_iri: str, build: str | None = None) -> list[str]:
    """The place and its chain of parents up to place/burundi ([] for an unknown place)."""
    return place_index(store, build).chain(place_iri)


@dataclass
class Office:
    iri: str
    label: Label | None
    type: Label | None
    address: Label | None
    hours: Label | None
    telephones: list[str]
    pages: list[str]
    places: list[Parent]  # where it is located (dct:spatial)
    procedures: list[Named] = field(default_factory=list)  # that name it as a channel


def _offices(store: Store, iris: set[str], language: str, languages: tuple[str, ...],
             index: PlaceIndex) -> list[Office]:
    found = load(store, iris, language, languages)
    types = fetch_labels(store, {t for r in found.values() for t in r.links("dct:type")}, language, languages)
    order = (language, *languages)
    offices = [_office(resource, types, index, order) for resource in found.values()]
    return sorted(offices, key=lambda o: (sort_key(o.label, o.iri), o.iri))


def _office(resource: Resource, types: dict[str, Label], index: PlaceIndex, order: tuple[str, ...]) -> Office:
    address = next((a.text("locn:fullAddress") for a in resource.node_list("locn:address")), None)
    kind = next((types[t] for t in resource.links("dct:type") if t in types), None)
    places = [Parent(p, _label(index.entries[p], order), index.entries[p].type)
              for p in resource.links("dct:spatial") if p in index.entries]
    return Office(resource.iri, resource.label, kind, address, resource.text("isoko:openingHoursDescription"),
                  [t.value for c in resource.node_list("cv:contactPoint") for t in c.terms("cv:telephone")],
                  resource.links("foaf:page"), places)


def _grouped(offices: list[Office], reader: list[str], index: PlaceIndex) -> dict[str, list[Office]]:
    """Offices located in the reader's commune (or below it), else in their province, else elsewhere."""
    commune, province = index.of_type(reader, "commune"), index.of_type(reader, "province")
    groups: dict[str, list[Office]] = {group: [] for group in GROUPS}
    for office in offices:
        around = {p for place in office.places for p in index.chain(place.iri)}
        group = "commune" if commune in around else "province" if province in around else "elsewhere"
        groups[group].append(office)
    return groups


def offices_for(store: Store, procedure_iri: str, place_iri: str, language: str, languages: tuple[str, ...],
                build: str | None = None) -> dict | None:
    """The procedure's channels grouped by distance from `place_iri`: {"procedure": its label,
    "place": Place, "groups": {"commune"|"province"|"elsewhere": [Office]}}; None when the
    procedure or the place is unknown."""
    index = place_index(store, build)
    procedure = load(store, [procedure_iri], language, languages).get(procedure_iri)
    if place_iri not in index.entries or procedure is None or not procedure.has_type("cpsv:PublicService"):
        return None
    offices = _offices(store, set(procedure.links("cv:hasChannel")), language, languages, index)
    return {"procedure": procedure.text("dct:title"), "place": describe(index, place_iri, (language, *languages)),
            "groups": _grouped(offices, index.chain(place_iri), index)}


def offices_in(store: Store, place_iri: str, language: str, languages: tuple[str, ...],
               build: str | None = None) -> dict | None:
    """Offices located in `place_iri` (or below it) or in one of its parents, each with the
    procedures that name it as a channel, grouped like `offices_for`; None for an unknown place."""
    index = place_index(store, build)
    chain = index.chain(place_iri)
    if not chain:
        return None
    rows = store.select(f"SELECT ?office ?place WHERE {{ ?office a <{iri('cv:Channel')}> ; "
                        f"<{iri('dct:spatial')}> ?place }}")
    located = {r["office"].value for r in rows
               if r["place"].value in chain or place_iri in index.chain(r["place"].value)}
    offices = _offices(store, located, language, languages, index)
    if offices:
        values = " ".join(f"<{o.iri}>" for o in offices)
        links = store.select(f"SELECT ?p ?o WHERE {{ VALUES ?o {{ {values} }} ?p <{iri('cv:hasChannel')}> ?o }}")
        labels = fetch_labels(store, {r["p"].value for r in links}, language, languages)
        named: dict[str, list[str]] = {}
        for row in links:
            named.setdefault(row["o"].value, []).append(row["p"].value)
        for office in offices:
            found = [Named(p, labels.get(p) or Label(p, "", False)) for p in named.get(office.iri, [])]
            office.procedures = sorted(found, key=lambda n: (sort_key(n.name), n.iri))
    return {"procedure": None, "place": describe(index, place_iri, (language, *languages)),
            "groups": _grouped(offices, chain, index)}
