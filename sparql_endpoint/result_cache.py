"""/sparql answers kept by build: a repeated query (same text, graphs, Accept, `format`, base URL)
is answered from memory instead of the engine (ISOKO_RESULT_CACHE_MB; 0 turns it off).

A build never changes once built, so an answer is valid for as long as its build is served: the key
holds the build's id with everything that changes the answer's bytes, and a build switch makes the
entries of the old build unreachable (and purges them). Only what the engine answered is kept
(`executor.Answer`: status, media type, body, whether the endpoint's LIMIT applied), and only
successful answers: errors, timeouts and refusals are never cached. Everything around the answer
(ETag, Last-Modified, conditional requests, CORS, rate-limit headers) is still computed per request
by the endpoint, so a cached answer cannot be told from a fresh one. Answers of a remote store
(ISOKO_STORE) are not cached (engine.cached_or_admitted says why).

Beside the answers, each process's memory tier keeps the complete responses that the lean path of
`GET /sparql` made from them (`Replay`: status line, headers, body as sent, compressed or not), by
the request's raw parts, so that the same request is answered again without parsing it, matching
its Accept header, compressing or building a response (fast_path.py): only the rate-limit headers
are made again. Both kinds of entries share the memory tier's budget and its life (one build).

Two tiers: each serving process keeps an LRU in memory (a quarter of the budget, at most 16 MB), in
front of a SQLite file in the run folder shared by the processes that serve the same var/ (the
budget in bytes, oldest stored first out). An answer takes at most an eighth of a tier: the file
holds the large answers that are the dearest to make again (on a 1M-triple catalogue several example
queries answer 8-11 MB after seconds of evaluation), read back from the file system's cache, without
making every process bigger. Any SQLite failure is a miss: the cache never breaks an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .executor import Answer

FILE_NAME = "result-cache.sqlite"
MEMORY_SHARE = 4  # each process keeps up to 1/4 of the budget in memory, in front of the shared file,
MEMORY_MAX = 16 * 2**20  # and no more than this
MAX_ENTRY_SHARE = 8  # one answer takes at most 1/8 of a tier
ENTRY_OVERHEAD = 200  # bytes an entry costs besides its body (key, media type, objects)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, build TEXT NOT NULL, status INTEGER NOT NULL, media_type TEXT NOT NULL,
    limited INTEGER NOT NULL, body BLOB NOT NULL, size INTEGER NOT NULL, stored REAL NOT NULL);
CREATE INDEX IF NOT EXISTS answers_stored ON answers (stored);
CREATE TABLE IF NOT EXISTS total (one INTEGER PRIMARY KEY CHECK (one = 1), size INTEGER NOT NULL);
INSERT OR IGNORE INTO total VALUES (1, 0);
"""


@dataclass(frozen=True)
class Request:
    """Everything besides the build that an answer's bytes depend on."""

    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    accept: str
    format_param: str
    base_url: str  # relative IRIs in the query resolve against it (engine.py)

    def key(self, build: str) -> str:
        text = json.dumps([build, self.query, self.default_graphs, self.named_graphs, self.accept,
                           self.format_param, self.base_url], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Replay:
    """A complete 200 response of the lean path, as sent but for its rate-limit headers, which go
    between `before` and `after` (where the endpoint adds them)."""

    status: str
    before: list[tuple[str, str]]
    after: list[tuple[str, str]]
    body: bytes

    @property
    def size(self) -> int:
        return (len(self.body) + ENTRY_OVERHEAD
                + sum(len(name) + len(value) for name, value in (*self.before, *self.after)))


class _Memory:
    """A thread-safe LRU of answers and replays within `budget` bytes, for one build at a time (the
    page cache's scheme, browser_ui/page_cache.py, without expiry: an entry lives as long as its
    build)."""

    def __init__(self, budget: int):
        self.budget, self.size = budget, 0
        self._entries: OrderedDict[Any, Answer | Replay] = OrderedDict()
        self._build: str | None = None
        self._lock = threading.Lock()

    def get(self, build: str, key: Any) -> Any:
        with self._lock:
            if build != self._build:  # another build is served: nothing kept is valid any more
                self._entries.clear()
                self.size, self._build = 0, build
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, build: str, key: Any, entry: Answer | Replay) -> None:
        size = _size(entry)
        with self._lock:
            if build != self._build or size > self.budget // MAX_ENTRY_SHARE:
                return
            old = self._entries.pop(key, None)
            self.size += size - (_size(old) if old is not None else 0)
            self._entries[key] = entry
            while self.size > self.budget:
                self.size -= _size(self._entries.popitem(last=False)[1])


class ResultCache:
    """The two tiers of the module docstring over `folder` (the run folder), `budget` bytes."""

    def __init__(self, folder: Path, budget: int):
        self.path, self.budget = folder / FILE_NAME, budget
        self.memory = _Memory(min(budget // MEMORY_SHARE, MEMORY_MAX))
        self._local = threading.local()
        self._purged_for: str | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, build: str, asked: Request) -> Answer | None:
        key = asked.key(build)
        kept = self.memory.get(build, key)
        if kept is not None:
            return kept
        try:
            row = self._db().execute("SELECT status, media_type, limited, body FROM answers WHERE key = ? AND build = ?",
                                     (key, build)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        answer = Answer(row[0], row[1], bytes(row[3]), bool(row[2]))
        self.memory.put(build, key, answer)
        return answer

    def put(self, build: str, asked: Request, answer: Answer) -> None:
        """Keep `answer` if it is a success small enough to be worth a place."""
        size = _size(answer)
        if answer.status != 200 or size > self.budget // MAX_ENTRY_SHARE:
            return
        key = asked.key(build)
        self.memory.get(build, key)  # a new build empties the memory tier before the first put
        self.memory.put(build, key, answer)
        try:
            self._store(build, key, answer, size)
        except sqlite3.Error:
            pass  # busy or broken: this process still has it in memory

    def kept_response(self, build: str, key: tuple) -> Replay | None:
        """The response kept for the raw request `key` (fast_path.raw_key) of `build`, if any."""
        return self.memory.get(build, key)

    def keep_response(self, build: str, key: tuple, replay: Replay) -> None:
        self.memory.get(build, key)  # a new build empties the memory tier before the first put
        self.memory.put(build, key, replay)

    def _store(self, build: str, key: str, answer: Answer, size: int) -> None:
        db = self._db()
        with db:  # one transaction: the total stays the sum of the sizes
            if self._purged_for != build:  # the first answer of a newly served build: drop the others
                db.execute("DELETE FROM answers WHERE build != ?", (build,))
                db.execute("UPDATE total SET size = (SELECT COALESCE(SUM(size), 0) FROM answers)")
                self._purged_for = build
            old = db.execute("SELECT size FROM answers WHERE key = ?", (key,)).fetchone()
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (key, build, answer.status, answer.media_type, int(answer.limited), answer.body, size,
                        time.time()))
            (total,) = db.execute("UPDATE total SET size = size + ? RETURNING size",
                                  (size - (old[0] if old else 0),)).fetchone()
            while total > self.budget:
                oldest = db.execute("SELECT key, size FROM answers ORDER BY stored LIMIT 1").fetchone()
                if oldest is None:
                    break
                db.execute("DELETE FROM answers WHERE key = ?", (oldest[0],))
                (total,) = db.execute("UPDATE total SET size = size - ? RETURNING size", (oldest[1],)).fetchone()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a process forked with one open makes its own)."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = OFF")  # a cache: losing it in a crash costs only misses
            db.executescript(_SCHEMA)
            db.isolation_level = "IMMEDIATE"  # take the write lock first: no upgrade to fail
            self._local.db, self._local.pid = db, os.getpid()
        return db


def _size(entry: Answer | Replay) -> int:
    if isinstance(entry, Replay):
        return entry.size
    return len(entry.body) + len(entry.media_type) + ENTRY_OVERHEAD
