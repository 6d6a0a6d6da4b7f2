"""Full-text search over a build's `search.sqlite` (written by loaders/search_index.py).

Any text a reader types becomes a safe FTS5 query: it is cut into words (letters and digits
only, so no FTS5 operator, quote, column filter or parenthesis survives), each word is quoted,
and the last one is a prefix (`"pass"*`) so results come while typing. All words must occur in
one text; when no text has them all, texts with any of them are ranked instead. The matching
texts of one entity become one hit with its best score.

A common word (or a short prefix) can match a large part of a big catalogue, and ranking every match
costs milliseconds per thousand texts. Only the first CANDIDATES matching texts in rowid order are
ranked: the index numbers its texts heaviest field first (loaders/search_index.py), so these are
the titles and other names before keywords and descriptions, which rank below them anyway. When
no text has all the words, a rarer word's texts past that bound are ranked too (`_any_word`).
"""

from __future__ import annotations

import html
import json
import logging
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from isoko.config import LANGUAGES, Config
from loaders.search_index import FILE_NAME
from sparql_endpoint.current import build_file

from .language import pick

log = logging.getLogger(__name__)

MAX_INPUT = 1000  # characters of the query looked at
MAX_WORDS = 12
MAX_WORD = 64  # characters of one word
OWN_LANGUAGE_BOOST = 1.25  # a text in the reader's language (or untagged) scores a little higher
SNIPPET_WORDS = 16
MAX_LIMIT = 500
# A reader's words go into FTS5 queries evaluated in the serving process: SQLite stops any of them
# that runs longer than this (its progress handler), so no search can hold a serving thread.
SEARCH_SECONDS = 2.0
SEARCH_CHECK_EVERY = 10_000  # SQLite virtual-machine steps between two looks at the clock
CANDIDATES = 500  # matching texts ranked at most (the first in rowid order: heaviest fields)
_OPEN, _CLOSE = "\x02", "\x03"  # never in indexed text (loaders.search_index.clean removes them)
_WORD = re.compile(r"[^\W_]+")


class SearchUnavailable(RuntimeError):
    """The build has no search index (or it cannot be read)."""


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    slug: str
    title: str
    title_language: str  # language of `title`; "" when untagged
    snippet: Markup  # HTML: escaped text with <mark> around the matched words
    match_language: str  # language of the best matching text; "" when untagged
    match_languages: tuple[str, ...]  # languages of all the matching texts of this entity
    field: str  # field of the best matching text: title, alt_name, keyword, description, ...
    score: float  # higher is better

    def as_json(self) -> dict:
        return {"iri": self.iri, "kind": self.kind, "slug": self.slug, "title": self.title,
                "title_language": self.title_language, "snippet": str(self.snippet),
                "match_language": self.match_language, "match_languages": list(self.match_languages),
                "field": self.field, "score": round(self.score, 6)}


def words(text: str) -> list[str]:
    """The words of a reader's input: NFKC, invisible format characters (zero-width space, joiners,
    direction marks) removed, then runs of letters and digits."""
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT])
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return [word[:MAX_WORD] for word in _WORD.findall(text)][:MAX_WORDS]


def phrases(text: str) -> list[str]:
    """The FTS5 phrases of `text`: each word quoted, the last one a prefix."""
    found = words(text)
    parts = [f'"{word}"' for word in found]
    if found and len(found[-1]) >= 2:  # a one-letter prefix would match nearly everything
        parts[-1] += "*"
    return parts


def fts_query(text: str, operator: str = " ") -> str:
    """A safe FTS5 query for `text`: its phrases joined by `operator`; "" when no words."""
    return operator.join(phrases(text))


def connect(db_path: str | Path) -> sqlite3.Connection:
    """A read-only connection to an immutable index file."""
    path = Path(db_path)
    if not path.is_file():
        raise SearchUnavailable(f"this build has no search index ({path.name}); run `isoko build`")
    # immutable=1: the build folder never changes, so SQLite can skip locking entirely
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
        connection.execute("SELECT 1 FROM entity LIMIT 1").fetchall()
    except sqlite3.Error as error:
        raise SearchUnavailable(f"the search index {path.name} cannot be read: {error}") from None
    return connection


def search(db_path: str | Path, text: str, language: str, limit: int = 50, kind: str | None = None,
           order: tuple[str, ...] = LANGUAGES) -> list[Hit]:
    """The entities matching `text`, best first, titled in `language` (else the first of `order`).

    Never raises for any `text`; raises SearchUnavailable when the index is missing or unreadable.
    """
    query = fts_query(text)
    limit = min(int(limit), MAX_LIMIT)
    if not query or limit <= 0:
        return []
    connection = connect(db_path)
    deadline = time.monotonic() + SEARCH_SECONDS
    connection.set_progress_handler(lambda: time.monotonic() > deadline, SEARCH_CHECK_EVERY)
    try:
        return _search(connection, query, text, language, limit, kind, order)
    except (sqlite3.Error, ValueError) as error:  # should not happen with fts_query's output
        log.warning("search for %r failed: %s", query, error)
        return []
    finally:
        connection.close()


def _search(connection: sqlite3.Connection, query: str, text: str, language: str, limit: int,
            kind: str | None, order: tuple[str, ...]) -> list[Hit]:
    rows, _ = _matches(connection, query, language, kind)
    if not rows and len(words(text)) > 1:
        query = fts_query(text, " OR ")
        rows = _any_word(connection, phrases(text), language, kind)
    best: dict[str, tuple] = {}  # iri -> best row
    languages: dict[str, list[str]] = {}
    for row in rows:  # ordered best first
        rowid, iri, row_kind, row_language, field, score = row
        best.setdefault(iri, row)
        seen = languages.setdefault(iri, [])
        if row_language not in seen:
            seen.append(row_language)
    chosen = list(best.values())[:limit]
    if not chosen:
        return []
    snippets = _snippets(connection, query, [row[0] for row in chosen])
    entities = _entities(connection, [row[1] for row in chosen])
    hits = []
    for rowid, iri, row_kind, row_language, field, score in chosen:
        slug, titles = entities.get(iri, ("", {}))
        title = pick(titles, language, (*order, "")) or (iri.rsplit("/", 1)[-1], "")
        hits.append(Hit(iri=iri, kind=row_kind, slug=slug, title=title[0], title_language=title[1],
                        snippet=snippets.get(rowid, Markup("")), match_language=row_language,
                        match_languages=tuple(languages[iri]), field=field, score=-score))
    return hits


def _where(query: str, kind: str | None, after: int | None = None) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of the texts matching `query`, past rowid `after`."""
    where, parameters = "search MATCH ?", [query]
    if kind:
        where += " AND kind = ?"
        parameters.append(kind)
    if after is not None:
        where += " AND rowid > ?"
        parameters.append(after)
    return where, parameters


def _bound(connection: sqlite3.Connection, where: str, parameters: list) -> int | None:
    """The rowid of the CANDIDATES-th matching text; None when fewer match (cheap: no ranking)."""
    found = connection.execute(f"SELECT rowid FROM search WHERE {where} ORDER BY rowid LIMIT 1 OFFSET ?",
                               [*parameters, CANDIDATES - 1]).fetchone()
    return found[0] if found else None


def _rank(connection: sqlite3.Connection, where: str, parameters: list, language: str) -> list[tuple]:
    """(rowid, iri, kind, language, field, score) of the matching texts, best (lowest) score first."""
    return connection.execute(
        "SELECT rowid, iri, kind, language, field, "
        "bm25(search) * weight * (CASE WHEN language IN (?, '') THEN ? ELSE 1.0 END) AS score "
        f"FROM search WHERE {where} ORDER BY score, (language = ?) DESC, rowid",
        [language, OWN_LANGUAGE_BOOST, *parameters, language]).fetchall()


def _matches(connection: sqlite3.Connection, query: str, language: str,
             kind: str | None) -> tuple[list[tuple], int | None]:
    """The first CANDIDATES texts matching `query` in rowid order, ranked (`_rank`); and the last
    rowid ranked when more texts match, else None."""
    where, parameters = _where(query, kind)
    last = _bound(connection, where, parameters)
    if last is not None:
        where += " AND rowid <= ?"
        parameters.append(last)
    return _rank(connection, where, parameters, language), last


def _any_word(connection: sqlite3.Connection, parts: list[str], language: str, kind: str | None) -> list[tuple]:
    """The texts with any of these phrases. When a common word bounds the candidates, the texts of
    a rarer word (fewer than CANDIDATES of its texts lie past that bound) are ranked too, scored by
    that word alone: the rare word of "transport 4797" is the one that tells what is wanted."""
    rows, last = _matches(connection, " OR ".join(parts), language, kind)
    if last is None or len(parts) < 2:
        return rows
    for part in parts:
        where, parameters = _where(part, kind, after=last)
        if _bound(connection, where, parameters) is None:
            rows += _rank(connection, where, parameters, language)
    order = {}  # rowid -> row: a text with two rare words keeps one row
    for row in sorted(rows, key=lambda r: (r[5], r[3] != language, r[0])):
        order.setdefault(row[0], row)
    return list(order.values())


def _snippets(connection: sqlite3.Connection, query: str, rowids: list[int]) -> dict[int, Markup]:
    marks = ", ".join("?" for _ in rowids)
    # FTS5 walks the matches between the first and the last rowid; `+rowid IN` then only filters
    # (a plain `rowid IN` makes SQLite evaluate the whole query once per rowid: 150 ms, not 3)
    try:
        rows = connection.execute(
            f"SELECT rowid, snippet(search, 0, ?, ?, ?, ?) FROM search WHERE search MATCH ? "
            f"AND rowid BETWEEN ? AND ? AND +rowid IN ({marks})",
            [_OPEN, _CLOSE, "…", SNIPPET_WORDS, query, min(rowids), max(rowids), *rowids]).fetchall()
    except (sqlite3.Error, ValueError) as error:
        log.warning("snippets of %r failed: %s", query, error)
        return {}
    return {rowid: render_snippet(text) for rowid, text in rows}


def render_snippet(text: str) -> Markup:
    """Escape everything, then turn the snippet markers into <mark> elements."""
    escaped = html.escape(text, quote=True)
    return Markup(escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


def _entities(connection: sqlite3.Connection, iris: list[str]) -> dict[str, tuple[str, dict[str, str]]]:
    marks = ", ".join("?" for _ in iris)
    rows = connection.execute(f"SELECT iri, slug, titles FROM entity WHERE iri IN ({marks})", iris)
    return {iri: (slug, json.loads(titles)) for iri, slug, titles in rows}


def index_path(config: Config, build_id: str) -> str:
    """The search index of the served build (see sparql_endpoint.current.build_file)."""
    return build_file(config, build_id, FILE_NAME)
