"""Most-consulted procedures: a page-view counter kept beside the builds (var/views.sqlite).

Counting is best effort: a failure to count never fails the page. The counter survives rebuilds
because it is not part of the (immutable) build. Views are added up in memory and written in one
transaction at most every FLUSH_SECONDS (and when the process exits, and before this process reads
the counter), so that a page view costs no disk write: a process killed outright loses at most
those last seconds of views.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

log = logging.getLogger(__name__)
SCHEMA = "CREATE TABLE IF NOT EXISTS views (iri TEXT PRIMARY KEY, n INTEGER NOT NULL)"
FLUSH_SECONDS = 5.0

_pending: Counter[tuple[Path, str]] = Counter()  # (counter file, iri) -> views not written yet
_lock = threading.Lock()
_flushed = time.monotonic()


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(SCHEMA)
    return connection


def count_view(path: Path, iri: str) -> None:
    global _flushed
    with _lock:
        _pending[(Path(path), iri)] += 1
        due = time.monotonic() - _flushed >= FLUSH_SECONDS
        if due:
            _flushed = time.monotonic()
    if due:
        flush()


def flush() -> None:
    """Write the views counted in memory (each counter file in one transaction)."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
    by_path: dict[Path, list[tuple[str, int]]] = {}
    for (path, iri), n in pending.items():
        by_path.setdefault(path, []).append((iri, n))
    for path, counts in by_path.items():
        try:
            with closing(_connect(path)) as connection:  # closing rolls back what was not committed
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany("INSERT INTO views VALUES (?, ?) "
                                       "ON CONFLICT(iri) DO UPDATE SET n = n + excluded.n", counts)
                connection.execute("COMMIT")
        except sqlite3.Error as err:
            log.warning("%d page views not counted: %s", sum(n for _, n in counts), err)


atexit.register(flush)


def most_viewed(path: Path, limit: int = 8) -> list[tuple[str, int]]:
    flush()
    if not path.exists():
        return []
    try:
        with closing(_connect(path)) as connection:
            return connection.execute("SELECT iri, n FROM views ORDER BY n DESC, iri LIMIT ?", (limit,)).fetchall()
    except sqlite3.Error as err:
        log.warning("page views not read: %s", err)
        return []
