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
      first matches in rowid order are the best candidates when a word matches too many texts.
  entity(iri PRIMARY KEY, kind, slug, titles)   titles: JSON {language: text} ('' = untagged)
  meta(key PRIMARY KEY, value)                  format, base_iri, languages, rows, entities
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from isoko.config import Config
from sparql_endpoint.store import Store

from .kinds import KINDS, SLUG

FORMAT = 2  # 2: rowids ascend with decreasing field weight
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

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]+")
_SPACES = re.compile(r"\s+")


def _query(config: Config) -> str:
    direct = " ".join(f"<{p}>" for p in FIELDS if p != SCHEMA + "acceptedAnswer")
    return f"""SELECT DISTINCT ?s ?p ?o WHERE {{
  {{ VALUES ?p {{ {direct} }} ?s ?p ?o }}
  UNION
  {{ BIND(<{SCHEMA}acceptedAnswer> AS ?p) ?s ?p ?answer . ?answer <{SCHEMA}text> ?o }}
  FILTER(isLiteral(?o) && STRSTARTS(STR(?s), "{config.id_base}"))
}}"""


def clean(text: str) -> str:
    """NFC, no control characters (snippet markers are control characters), single spaces."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def entity_path(iri: str, config: Config) -> tuple[str, str] | None:
    """(kind, slug) of `{base}id/{kind}/{slug}`, or None for anything else (nested nodes, schemes)."""
    if not iri.startswith(config.id_base):
        return None
    kind, _, slug = iri[len(config.id_base):].partition("/")
    if kind not in KINDS or not SLUG.match(slug):
        return None
    return kind, slug


def write_search_index(store: Store, path: Path, config: Config) -> int:
    """Write the search index of everything in `store` to `path` (atomically); the number of rows."""
    path = Path(path)
    texts: dict[tuple[str, str, str], tuple[str, float]] = {}  # (iri, language, text) -> best field
    titles: dict[str, dict[str, dict[str, str]]] = {}  # iri -> property -> language -> text
    kinds: dict[str, tuple[str, str]] = {}
    for row in store.select(_query(config)):
        subject, prop, literal = row["s"].value, row["p"].value, row["o"]
        if not isinstance(literal, ox.Literal):
            continue
        where = kinds.get(subject) or entity_path(subject, config)
        if where is None:
            continue
        kinds[subject] = where
        text = clean(literal.value)
        if not text:
            continue
        language = (literal.language or "").lower()
        field, weight = FIELDS[prop]
        key = (subject, language, text)
        if key not in texts or texts[key][1] < weight:
            texts[key] = (field, weight)
        if prop in TITLE_PROPERTIES:
            titles.setdefault(subject, {}).setdefault(prop, {}).setdefault(language, text)

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
        # heaviest fields first: rowid order is then the order search bounds common words' candidates in
        rows = sorted(texts.items(), key=lambda item: (-item[1][1], item[0][0], item[0][1], item[0][2]))
        connection.executemany(
            "INSERT INTO search (text, iri, kind, language, field, weight) VALUES (?, ?, ?, ?, ?, ?)",
            [(text, iri, kinds[iri][0], language, field, weight)
             for (iri, language, text), (field, weight) in rows])
        entities = sorted({iri for iri, _, _ in texts})
        connection.executemany(
            "INSERT INTO entity (iri, kind, slug, titles) VALUES (?, ?, ?, ?)",
            [(iri, *kinds[iri], json.dumps(_titles(titles.get(iri, {})), ensure_ascii=False, sort_keys=True))
             for iri in entities])
        meta = {"format": FORMAT, "base_iri": config.base_iri, "languages": list(config.languages),
                "rows": len(rows), "entities": len(entities), "tokenizer": TOKENIZER}
        connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                               [(k, json.dumps(v)) for k, v in meta.items()])
        connection.execute("INSERT INTO search (search) VALUES ('optimize')")
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return len(rows)


def _titles(by_property: dict[str, dict[str, str]]) -> dict[str, str]:
    for prop in TITLE_PROPERTIES:
        if by_property.get(prop):
            return by_property[prop]
    return {}
