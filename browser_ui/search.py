"""Full-text search over a build's `search.sqlite` (written by loaders/search_index.py).

Any text a reader types becomes a safe FTS5 query: it is cut into words (letters and digits
only, so no FTS5 operator, quote, column filter or parenthesis survives), each word is quoted,
and the last one is a prefix (`"pass"*`) so results come while typing. All words must occur in
one text; when no text has them all, texts with any of them are ranked instead. The matching
texts of one entity become one hit with its best score.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from isoko.config import LANGUAGES

from .language import pick

log = logging.getLogger(__name__)

MAX_INPUT = 1000  # characters of the query looked at
MAX_WORDS = 12
MAX_WORD = 64  # characters of one word
OWN_LANGUAGE_BOOST = 1.25  # a text in the reader's language (or untagged) scores a little higher
SNIPPET_WORDS = 16
MAX_LIMIT = 500
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


def fts_query(text: str, operator: str = " ") -> str:
    """A safe FTS5 query for `text`: quoted words, the last one a prefix; "" when no words."""
    found = words(text)
    if not found:
        return ""
    parts = [f'"{word}"' for word in found]
    if len(found[-1]) >= 2:  # a one-letter prefix would match nearly everything
        parts[-1] += "*"
    return operator.join(parts)


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
    try:
        return _search(connection, query, text, language, limit, kind, order)
    finally:
        connection.close()


def _search(connection: sqlite3.Connection, query: str, text: str, language: str, limit: int,
            kind: str | None, order: tuple[str, ...]) -> list[Hit]:
    rows = _matches(connection, query, language, kind)
    if not rows and len(words(text)) > 1:
        query = fts_query(text, " OR ")
        rows = _matches(connection, query, language, kind)
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


def _matches(connection: sqlite3.Connection, query: str, language: str, kind: str | None) -> list[tuple]:
    """(rowid, iri, kind, language, field, score) of every matching text, best (lowest) score first."""
    sql = ("SELECT rowid, iri, kind, language, field, "
           "bm25(search) * weight * (CASE WHEN language IN (?, '') THEN ? ELSE 1.0 END) AS score "
           "FROM search WHERE search MATCH ?")
    parameters: list = [language, OWN_LANGUAGE_BOOST, query]
    if kind:
        sql += " AND kind = ?"
        parameters.append(kind)
    sql += " ORDER BY score, (language = ?) DESC, rowid"
    parameters.append(language)
    try:
        return connection.execute(sql, parameters).fetchall()
    except (sqlite3.Error, ValueError) as error:  # should not happen with fts_query's output
        log.warning("search query %r failed: %s", query, error)
        return []


def _snippets(connection: sqlite3.Connection, query: str, rowids: list[int]) -> dict[int, Markup]:
    marks = ", ".join("?" for _ in rowids)
    try:
        rows = connection.execute(
            f"SELECT rowid, snippet(search, 0, ?, ?, ?, ?) FROM search WHERE search MATCH ? "
            f"AND rowid IN ({marks})", [_OPEN, _CLOSE, "…", SNIPPET_WORDS, query, *rowids]).fetchall()
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
