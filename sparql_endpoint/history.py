"""The versions of the catalogue's entities, kept from build to build in `history.sqlite`.

Each build folder holds the whole history so far (written by loaders/versions.py: the previous
build's file copied, then this build's versions appended), so a build stays self-contained and
immutable, pruning old build folders loses nothing, and a failed build adds nothing.

An entity is a subject under `{base}id/`; its description is every quad whose subject is the entity
or one of its `#` nodes (fees, conditions, addresses...), as sorted N-Quads lines. A version is that
description at one build, kept when its hash differs from the entity's previous version; a removal
is a version without description. Versions are numbered in the order they were added (`seq`),
which is also their order in the change stream, and placed on stream pages (`page`) once for all.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "history.sqlite"
FORMAT = "1"
CREATED, CHANGED, REMOVED = "created", "changed", "removed"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE builds (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, created TEXT NOT NULL);
CREATE TABLE versions (
  seq INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  build INTEGER NOT NULL REFERENCES builds (seq),
  change TEXT NOT NULL CHECK (change IN ('created', 'changed', 'removed')),
  hash TEXT,
  page INTEGER NOT NULL,
  graph TEXT,                      -- the named graph of the entity's own triples
  themes TEXT NOT NULL DEFAULT '', -- cv:thematicArea values, space-separated
  properties TEXT NOT NULL DEFAULT '', -- the entity's properties this version changed, space-separated
  description BLOB                 -- zlib-compressed sorted N-Quads; NULL for a removal
);
CREATE INDEX versions_entity ON versions (entity, seq);
CREATE INDEX versions_page ON versions (page, seq);
CREATE INDEX versions_build ON versions (build, seq);
"""
COLUMNS = ("v.seq, v.entity, b.id, b.created, b.seq, v.change, v.hash, v.page, v.graph, v.themes, "
           "v.properties, v.description")


@dataclass(frozen=True)
class Version:
    seq: int
    entity: str
    build_id: str
    created: str  # the build's time, ISO 8601 UTC with milliseconds
    build_seq: int
    change: str
    hash: str | None
    page: int
    graph: str | None
    themes: tuple[str, ...]
    properties: tuple[str, ...]
    packed: bytes | None

    @property
    def iri(self) -> str:
        return version_iri(self.entity, self.build_id)

    @property
    def description(self) -> bytes:
        """The entity's quads at this version (N-Quads); empty for a removal."""
        return zlib.decompress(self.packed) if self.packed else b""


def version_iri(entity: str, build_id: str) -> str:
    return f"{entity}/version/{build_id}"


def pack(description: bytes) -> bytes:
    return zlib.compress(description, 1)


class HistoryUnavailable(RuntimeError):
    """The build has no history file (built before versioning, or not a local build)."""


class History:
    """Read-only access to one build's history file, from any thread: each thread reads through a
    connection of its own, opened on its first read and kept as long as the object (opening one
    was 6-8 % of an uncached institution page's CPU)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise HistoryUnavailable(f"no change history at {self.path}")
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():  # a forked process opens its own
            db = self._local.db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
            self._local.pid = os.getpid()
        return db

    def _versions(self, where: str, parameters: tuple = (), order: str = "v.seq") -> list[Version]:
        rows = self._db().execute(f"SELECT {COLUMNS} FROM versions v JOIN builds b ON b.seq = v.build "
                                  f"WHERE {where} ORDER BY {order}", parameters).fetchall()
        return [Version(*row[:9], tuple(row[9].split()), tuple(row[10].split()), row[11]) for row in rows]

    def versions_of(self, entity: str) -> list[Version]:
        """Every version of `entity`, oldest first."""
        return self._versions("v.entity = ?", (entity,))

    def last_change(self, entity: str) -> str | None:
        """When `entity` last changed (its latest version's build time), None if it has no version."""
        row = self._db().execute("SELECT b.created FROM versions v JOIN builds b ON b.seq = v.build "
                                 "WHERE v.entity = ? ORDER BY v.seq DESC LIMIT 1", (entity,)).fetchone()
        return row[0] if row else None

    def version(self, entity: str, build_id: str) -> Version | None:
        found = self._versions("v.entity = ? AND b.id = ?", (entity, build_id))
        return found[0] if found else None

    def before(self, version: Version) -> Version | None:
        """The version of the same entity just before `version`."""
        found = self._versions("v.entity = ? AND v.seq < ?", (version.entity, version.seq), "v.seq DESC LIMIT 1")
        return found[0] if found else None

    def page(self, number: int) -> list[Version]:
        return self._versions("v.page = ?", (number,))

    def page_count(self) -> int:
        return self._db().execute("SELECT COALESCE(MAX(page), -1) + 1 FROM versions").fetchone()[0]

    def first_time(self, page: int) -> str | None:
        row = self._db().execute("SELECT b.created FROM versions v JOIN builds b ON b.seq = v.build "
                                 "WHERE v.page = ? ORDER BY v.seq LIMIT 1", (page,)).fetchone()
        return row[0] if row else None

    def first_times(self) -> list[str]:
        """The time of each page's first version, by page."""
        return [created for _, created in self._db().execute(
            "SELECT v.page, MIN(b.created) FROM versions v JOIN builds b ON b.seq = v.build "
            "GROUP BY v.page ORDER BY v.page")]

    def owning_predicates(self) -> list[str]:
        """The predicates that link an entity to its own `#` nodes."""
        row = self._db().execute("SELECT value FROM meta WHERE key = 'owning'").fetchone()
        return row[0].split() if row else []

    def builds(self) -> list[tuple[int, str, str]]:
        """(seq, id, created) of every build recorded, oldest first."""
        return self._db().execute("SELECT seq, id, created FROM builds ORDER BY seq").fetchall()

    def latest(self, limit: int, graph: str | None = None, theme: str | None = None,
               entity: str | None = None, since: str | None = None) -> list[Version]:
        """The most recent versions, newest first; only those in `graph` (or of the entity
        `entity`), with `theme`, or made at or after the ISO 8601 UTC time `since`, when given."""
        where, parameters = ["1"], []
        if since:
            where.append("b.created >= ?")
            parameters.append(since)
        if graph or entity:
            where.append("(v.graph = ? OR v.entity = ?)")
            parameters += [graph, entity]
        if theme:
            where.append("(' ' || v.themes || ' ') LIKE ?")
            parameters.append(f"% {theme} %")
        return self._versions(" AND ".join(where), tuple(parameters), f"v.seq DESC LIMIT {int(limit)}")

    def state(self, build_seq: int) -> dict[str, Version]:
        """Each entity's latest version at build `build_seq` (removed entities included)."""
        found = self._versions("v.seq IN (SELECT MAX(seq) FROM versions WHERE build <= ? GROUP BY entity)",
                               (build_seq,))
        return {version.entity: version for version in found}

    def changed_between(self, older: int, newer: int) -> list[tuple[Version | None, Version]]:
        """(version at `older`, version at `newer`) of each entity that changed between the two
        builds (by build seq), in entity order."""
        before, after = self.state(older), self.state(newer)
        pairs = [(before.get(entity), version) for entity, version in after.items()
                 if version.build_seq > older and (entity not in before or before[entity].hash != version.hash)]
        return sorted(pairs, key=lambda pair: pair[1].entity)


def read_hashes(path: Path) -> dict[str, tuple[str | None, str]]:
    """entity -> (hash of its latest version, or None if removed; its last change)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT entity, hash, change FROM versions WHERE seq IN "
                          "(SELECT MAX(seq) FROM versions GROUP BY entity)").fetchall()
    return {entity: (hash_, change) for entity, hash_, change in rows}
