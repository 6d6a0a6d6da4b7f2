"""The full-text search index of a build: an SQLite FTS5 file written once, next to the store.

`search.sqlite` holds one row per text of an entity (its titles, other names, keywords,
descriptions, FAQ questions and answers) in every language the catalogue has, and a side table
with what a result list shows (kind, slug, titles per language), so that searching never touches
the store. The file is written under a temporary name and renamed into place; the build folder it
lives in is itself renamed only when the whole build succeeds, and is never modified afterwards.

Tables:
  search(text, iri UNINDEXED, kind UNINDEXED, language UNINDEXED, field UNINDEXED, weight UNINDEXED)
      FTS5, tokenizer `unicode61 remove_diacritics 2` (case- and accent-insensitive), prefix
      indexes of 2, 3 and 4 characters. Rank a row with `bm25(search) * weight`. Rows are
      numbered heaviest field first (titles, then other names, ...; by IRI within a weight), so the
      first matches in rowid order are the best candidates when a word matches too many texts;
      GAP apart, so that an incremental build inserts an entity's rows in that order.
  entity(iri PRIMARY KEY, kind, slug, titles)   titles: JSON {language: text} ('' = untagged)
  meta(key PRIMARY KEY, value)                  format, base_iri, languages, rows, entities
"""

from __future__ import annotations

import json
import os
import shutil
import re
import sqlite3
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from isoko.config import Config
from sparql_endpoint.store import Store

from .kinds import KINDS, SLUG

FORMAT = 2  # 2: rowids ascend with decreasing field weight
GAP = 1024  # between the rowids of consecutive rows of a full build
FILE_NAME = "search.sqlite"
TOKENIZER = "unicode61 remove_diacritics 2"
PREFIXES = "2 3 4"

DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCAT = "http://www.w3.org/ns/dcat#"

# property -> (field, weight). The weight multiplies the row's bm25 score, so a hit in a title
# outranks a hit in a description whatever their lengths.
FIELDS: dict[str, tuple[str, float]] = {
    DCT + "title": ("title", 10.0),
    SKOS + "prefLabel": ("title", 10.0),
    RDFS + "label": ("title", 10.0),
    SCHEMA + "name": ("question", 8.0),  # an FAQ entry's title
    SKOS + "altLabel": ("alt_name", 10.0),  # acronyms and other names: as good as a title
    DCAT + "keyword": ("keyword", 6.0),
    SKOS + "hiddenLabel": ("former_name", 5.0),
    SKOS + "definition": ("definition", 2.0),
    DCT + "description": ("description", 1.0),
    SCHEMA + "acceptedAnswer": ("answer", 1.0),  # schema:acceptedAnswer/schema:text
}
# The display title: the first of these an entity has (the entity page's order), per language.
TITLE_PROPERTIES = (SKOS + "prefLabel", DCT + "title", RDFS + "label", SCHEMA + "name")

# control characters (snippet markers are control characters) and white space: one space for a run
_BLANKS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\s]+")


def _texts(store: Store | ox.Store, config: Config, subjects: list[str] | None = None):
    """(subject, property, literal) of every text to index: of every entity (read property by
    property), or of `subjects` (read subject by subject)."""
    raw = getattr(store, "_store", store)  # pyoxigraph's own store: its quads without a query
    answer, text = ox.NamedNode(SCHEMA + "acceptedAnswer"), ox.NamedNode(SCHEMA + "text")
    if subjects is None:
        found = (q for p in FIELDS for q in raw.quads_for_pattern(None, ox.NamedNode(p), None))
    else:
        found = (q for s in subjects for q in raw.quads_for_pattern(ox.NamedNode(s), None, None)
                 if q.predicate.value in FIELDS)
    id_base = config.id_base
    for quad in found:
        subject = quad.subject
        if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(id_base):
            continue
        if quad.predicate == answer:
            objects = [q.object for q in raw.quads_for_pattern(quad.object, text, None)]
        else:
            objects = [quad.object]
        for value in objects:
            if isinstance(value, ox.Literal):
                yield subject.value, quad.predicate.value, value


def clean(text: str) -> str:
    """NFC, no control characters (snippet markers are control characters), single spaces."""
    return _BLANKS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def entity_path(iri: str, config: Config) -> tuple[str, str] | None:
    """(kind, slug) of `{base}id/{kind}/{slug}`, or None for anything else (nested nodes, schemes)."""
    if not iri.startswith(config.id_base):
        return None
    kind, _, slug = iri[len(config.id_base):].partition("/")
    if kind not in KINDS or not SLUG.match(slug):
        return None
    return kind, slug


def search_rows(store: Store, config: Config, subjects: list[str] | None = None
                ) -> tuple[list[tuple], list[tuple[str, str, str, str]]]:
    """(search rows in rowid order without their rowids, entity rows) of `store` (or of `subjects`)."""
    texts: dict[tuple[str, str, str], tuple[str, float]] = {}  # (iri, language, text) -> best field
    titles: dict[str, dict[str, dict[str, str]]] = {}  # iri -> property -> language -> text
    kinds: dict[str, tuple[str, str] | None] = {}  # None: not an entity (a nested node)
    for subject, prop, literal in _texts(store, config, subjects):
        if subject not in kinds:
            kinds[subject] = entity_path(subject, config)
        where = kinds[subject]
        if where is None:
            continue
        text = clean(literal.value)
        if not text:
            continue
        language = (literal.language or "").lower()
        field, weight = FIELDS[prop]
        key = (subject, language, text)
        if key not in texts or texts[key][1] < weight:
            texts[key] = (field, weight)
        if prop in TITLE_PROPERTIES:  # of two titles in one language, the first in text order
            chosen = titles.setdefault(subject, {}).setdefault(prop, {})
            if language not in chosen or text < chosen[language]:
                chosen[language] = text
    # heaviest fields first: rowid order is then the order search bounds common words' candidates in
    ordered = sorted(texts.items(), key=lambda item: _order(item[1][1], *item[0]))
    rows = [(text, iri, kinds[iri][0], language, field, weight) for (iri, language, text), (field, weight) in ordered]
    entities = [(iri, *kinds[iri], json.dumps(_titles(titles.get(iri, {})), ensure_ascii=False, sort_keys=True))
                for iri in sorted({iri for iri, _, _ in texts})]
    return rows, entities


def _order(weight: float, iri: str, language: str, text: str) -> tuple:
    return (-weight, iri, language, text)


def write_search_index(store: Store, path: Path, config: Config, served: Path | None = None,
                       subjects: list[str] | None = None) -> int:
    """Write the search index of everything in `store` to `path` (atomically); the number of rows.
    With `served` (an incremental build): that index with the rows of `subjects` replaced when it
    has room for them (`patch_search_index`), else the whole index.

    Rows are numbered GAP apart, so that an incremental build can insert an entity's new rows
    where a full build would have put them."""
    if served is not None:
        patched = patch_search_index(served, path, store, config, subjects or [])
        if patched is not None:
            return patched
    rows, entities = search_rows(store, config)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN")
        connection.execute(
            "CREATE VIRTUAL TABLE search USING fts5(text, iri UNINDEXED, kind UNINDEXED, "
            "language UNINDEXED, field UNINDEXED, weight UNINDEXED, "
            f"tokenize = '{TOKENIZER}', prefix = '{PREFIXES}')")
        connection.execute("CREATE TABLE entity (iri TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                           "slug TEXT NOT NULL, titles TEXT NOT NULL) WITHOUT ROWID")
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        connection.executemany(
            "INSERT INTO search (rowid, text, iri, kind, language, field, weight) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [((number + 1) * GAP, *row) for number, row in enumerate(rows)])
        connection.executemany("INSERT INTO entity (iri, kind, slug, titles) VALUES (?, ?, ?, ?)", entities)
        connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                               [(k, json.dumps(v)) for k, v in _meta(config, len(rows), len(entities)).items()])
        connection.execute("INSERT INTO search (search) VALUES ('optimize')")
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()
    _publish(temporary, path)
    return len(rows)


def patch_search_index(served: Path, path: Path, store: Store, config: Config, subjects: list[str]) -> int | None:
    """Write to `path` the served index with the rows of `subjects` replaced by theirs in `store`:
    the same rows, in the same rowid order, as write_search_index would write; None when there is
    no room left between two rowids (write the index in full instead)."""
    temporary = path.with_name(f".{path.name}.tmp")
    shutil.copyfile(served, temporary)
    connection = sqlite3.connect(temporary, isolation_level=None)
    try:
        connection.execute("BEGIN")
        marks = ", ".join("?" * len(subjects))
        connection.execute(f"DELETE FROM search WHERE iri IN ({marks})", subjects)
        connection.execute(f"DELETE FROM entity WHERE iri IN ({marks})", subjects)
        rows, entities = search_rows(store, config, subjects)
        placed = _place(connection, [_order(row[5], row[1], row[3], row[0]) for row in rows])
        if placed is None:
            return None
        connection.executemany(
            "INSERT INTO search (rowid, text, iri, kind, language, field, weight) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rowid, *row) for rowid, row in zip(placed, rows)])
        connection.executemany("INSERT INTO entity (iri, kind, slug, titles) VALUES (?, ?, ?, ?)", entities)
        total = connection.execute("SELECT COUNT(*) FROM search").fetchone()[0]
        count = connection.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        connection.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                               [(k, json.dumps(v)) for k, v in _meta(config, total, count).items()])
        connection.execute("COMMIT")
    finally:
        connection.close()
    _publish(temporary, path)
    return total


def _place(connection: sqlite3.Connection, keys: list[tuple]) -> list[int] | None:
    """Rowids for new rows of sort keys `keys` (sorted) between the rows in the index, whose
    keys ascend with their rowids: for each, a binary search over rowids for its successor."""
    top = connection.execute("SELECT MAX(rowid) FROM search").fetchone()[0] or 0

    def at_or_after(rowid: int) -> tuple[int, tuple] | None:
        row = connection.execute("SELECT rowid, weight, iri, language, text FROM search WHERE rowid >= ? "
                                 "ORDER BY rowid LIMIT 1", (rowid,)).fetchone()
        return (row[0], _order(*row[1:])) if row else None

    def before(rowid: int) -> int:
        row = connection.execute("SELECT MAX(rowid) FROM search WHERE rowid < ?", (rowid,)).fetchone()
        return row[0] or 0

    groups: dict[int, list[int]] = {}  # the successor's rowid (top + GAP: none) -> the keys placed before it
    for number, key in enumerate(keys):
        low, high = 0, top + 1  # the first row with a key above `key` is at or after low, before high
        while low < high:
            middle = (low + high) // 2
            found = at_or_after(middle)
            if found is None or found[1] > key:
                high = middle
            else:
                low = found[0] + 1
        successor = at_or_after(low)
        groups.setdefault(successor[0] if successor else top + GAP * (len(keys) + 1), []).append(number)
    rowids = [0] * len(keys)
    for successor, numbers in groups.items():
        predecessor = before(successor)
        if successor - predecessor <= len(numbers):
            return None
        for offset, number in enumerate(numbers, 1):
            rowids[number] = predecessor + (successor - predecessor) * offset // (len(numbers) + 1)
    return rowids


def _meta(config: Config, rows: int, entities: int) -> dict:
    return {"format": FORMAT, "base_iri": config.base_iri, "languages": list(config.languages),
            "rows": rows, "entities": entities, "tokenizer": TOKENIZER}


def _publish(temporary: Path, path: Path) -> None:
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _titles(by_property: dict[str, dict[str, str]]) -> dict[str, str]:
    for prop in TITLE_PROPERTIES:
        if by_property.get(prop):
            return by_property[prop]
    return {}
