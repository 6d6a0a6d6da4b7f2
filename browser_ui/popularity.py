"""Most-consulted procedures: a page-view counter kept beside the builds (var/views.sqlite).

Counting is best effort: a failure to count never fails the page. The counter survives rebuilds
because it is not part of the (immutable) build.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)
SCHEMA = "CREATE TABLE IF NOT EXISTS views (iri TEXT PRIMARY KEY, n INTEGER NOT NULL)"


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(SCHEMA)
    return connection


def count_view(path: Path, iri: str) -> None:
    try:
        with _connect(path) as connection:
            connection.execute("INSERT INTO views VALUES (?, 1) ON CONFLICT(iri) DO UPDATE SET n = n + 1", (iri,))
    except sqlite3.Error as err:
        log.warning("page view not counted: %s", err)


def most_viewed(path: Path, limit: int = 8) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    try:
        with _connect(path) as connection:
            return connection.execute("SELECT iri, n FROM views ORDER BY n DESC, iri LIMIT ?", (limit,)).fetchall()
    except sqlite3.Error as err:
        log.warning("page views not read: %s", err)
        return []
