"""A build's versions: which entities it created, changed and removed, added to the history.

The build copies the served build's `history.sqlite` into its own folder and appends to it (see
sparql_endpoint/history.py for what an entity, a description and a version are). An entity whose
description hashes as before gets no version, so a rebuild of unchanged sources adds nothing but
the build's row. The versions also go into the store, in the named graph `versions`, as
`dct:isVersionOf`, `prov:generatedAtTime`, `prov:wasRevisionOf` and `isoko:changedProperty`, so
"which fees changed in 2026" is a SPARQL query.

Stream pages: versions are placed on pages of at most PAGE_SIZE, in the order they were added; a
page never holds two versions of one entity (the LDES client extracts a member's `#` nodes by
their IRIs, which are the same in every version), and a full page never changes again.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zlib
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from isoko.config import Config
from isoko.namespaces import PREFIXES
from sparql_endpoint.changes import changed_properties
from sparql_endpoint.history import (CHANGED, CREATED, FILE_NAME, FORMAT, REMOVED, SCHEMA, pack, read_hashes,
                                     version_iri)

PAGE_SIZE = 100
THEME = b"<" + PREFIXES["cv"].encode() + b"thematicArea>"
DCT, PROV, XSD = PREFIXES["dct"], "http://www.w3.org/ns/prov#", PREFIXES["xsd"]
AS = "https://www.w3.org/ns/activitystreams#"
CHANGE_TYPES = {CREATED: AS + "Create", CHANGED: AS + "Update", REMOVED: AS + "Delete"}


@dataclass
class Recorded:
    created: int = 0
    changed: int = 0
    removed: int = 0
    versions: int = 0  # in the whole history


def stamp(created: datetime) -> str:
    """A build's time as the history writes it: ISO 8601 UTC with milliseconds."""
    return created.isoformat(timespec="milliseconds")[:23] + "Z"


def descriptions(n_quads: bytes, id_base: str) -> dict[str, list[bytes]]:
    """Entity IRI -> its N-Quads lines: those whose subject is under `id_base`, grouped by the
    subject without its `#` fragment."""
    prefix = b"<" + id_base.encode()
    groups: dict[bytes, list[bytes]] = {}
    for line in n_quads.splitlines():
        if line.startswith(prefix):
            subject = line[1:line.index(b">")]  # an N-Quads IRI holds no ">"
            groups.setdefault(subject.split(b"#", 1)[0], []).append(line)
    return {subject.decode(): lines for subject, lines in groups.items()}


def _graph(entity: str, lines: list[bytes]) -> str | None:
    own = b"<" + entity.encode() + b"> "
    for line in lines:
        if line.startswith(own):
            token = line.rsplit(b" ", 2)[-2]  # `<s> <p> <o> <g> .`: every catalogue quad is in a named graph
            return token[1:-1].decode() if token.startswith(b"<") else None
    return None


def _themes(entity: str, lines: list[bytes]) -> str:
    own = b"<" + entity.encode() + b"> " + THEME + b" <"
    return " ".join(line[len(own):line.index(b">", len(own))].decode() for line in lines if line.startswith(own))


def record(config: Config, previous: Path | None, target: Path, n_quads: bytes, build_id: str,
           created: str, only: set[str] | None = None) -> Recorded:
    """Write `target` (a new history file): `previous` (a served build's history) plus this
    build's versions of the entities in `n_quads`; with `only` (an incremental build), the
    entities that may have changed, `n_quads` holding their quads (the others' are unchanged)."""
    if previous is not None and previous.is_file():
        shutil.copyfile(previous, target)
        before = read_hashes(target)
    else:
        with closing(sqlite3.connect(target)) as db:
            db.executescript(SCHEMA)
            db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
            db.commit()
        before = {}
    current = descriptions(n_quads, config.id_base)
    recorded = Recorded()
    with closing(sqlite3.connect(target)) as db:
        build = db.execute("INSERT INTO builds (id, created) VALUES (?, ?)", (build_id, created)).lastrowid
        pager = _Pager(db)
        changed: list[str] = []  # entities with a new description (created or changed)
        for entity in sorted(current.keys() | (before.keys() if only is None else only)):
            old_hash, old_change = before.get(entity, (None, REMOVED))
            lines = current.get(entity)
            if lines is None:
                if old_change != REMOVED:
                    _add(db, pager, build, entity, REMOVED, None, None, _last(db, entity))
                    recorded.removed += 1
                continue
            lines.sort()
            description = b"\n".join(lines) + b"\n"
            digest = hashlib.sha256(description).hexdigest()
            if digest == old_hash:
                continue
            change = CREATED if old_change == REMOVED else CHANGED
            last = _last(db, entity) if change == CHANGED else None
            _add(db, pager, build, entity, change, digest, description, last, lines)
            changed.append(entity)
            setattr(recorded, change, getattr(recorded, change) + 1)
        _record_owning(db, {entity: current[entity] for entity in changed})
        db.commit()
        recorded.versions = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    return recorded


def _record_owning(db: sqlite3.Connection, current: dict[str, list[bytes]]) -> None:
    """Add to meta `owning` the predicates that link an entity to its own `#` nodes (the change
    stream's shape follows them to extract a member's nodes), from the descriptions of this build's
    new versions (the older ones were looked at when they were new)."""
    found = set((db.execute("SELECT value FROM meta WHERE key = 'owning'").fetchone() or ("",))[0].split())
    for entity, lines in current.items():
        own = b"<" + entity.encode() + b"#"
        for line in lines:
            if line.find(own, 1) != -1:  # past the subject: own would be found at 0 in a `#` node's lines
                subject, predicate, obj, _ = line.split(b" ", 3)
                if obj.startswith(own):
                    found.add(predicate[1:-1].decode())
    db.execute("INSERT OR REPLACE INTO meta VALUES ('owning', ?)", (" ".join(sorted(found)),))


def _last(db: sqlite3.Connection, entity: str) -> tuple[bytes, str | None, str]:
    """The description, graph and themes of the entity's latest version (empty when removed)."""
    row = db.execute("SELECT description, graph, themes FROM versions WHERE entity = ? ORDER BY seq DESC LIMIT 1",
                     (entity,)).fetchone()
    return (zlib.decompress(row[0]) if row[0] else b"", row[1], row[2])


def _add(db: sqlite3.Connection, pager: "_Pager", build: int, entity: str, change: str, digest: str | None,
         description: bytes | None, last: tuple[bytes, str | None, str] | None,
         lines: list[bytes] | None = None) -> None:
    """Insert a version; `lines`: the description's lines (none for a removal)."""
    old, old_graph, old_themes = last or (b"", None, "")
    if description is None:  # a removal keeps the graph and themes it had, for the feeds that filter on them
        graph, themes, properties = old_graph, old_themes, ""
    else:
        graph, themes = _graph(entity, lines), _themes(entity, lines)
        properties = " ".join(sorted(changed_properties(entity, old, description))) if change == CHANGED else ""
    db.execute("INSERT INTO versions (entity, build, change, hash, page, graph, themes, properties, description) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (entity, build, change, digest, pager.place(entity), graph, themes, properties,
                pack(description) if description is not None else None))


class _Pager:
    """The page of each new version: the last page while it has room and no version of the entity."""

    def __init__(self, db: sqlite3.Connection):
        last = db.execute("SELECT MAX(page) FROM versions").fetchone()[0]
        self.page = last if last is not None else 0
        self.entities = {e for (e,) in db.execute("SELECT entity FROM versions WHERE page = ?", (self.page,))}

    def place(self, entity: str) -> int:
        if len(self.entities) >= PAGE_SIZE or entity in self.entities:
            self.page, self.entities = self.page + 1, set()
        self.entities.add(entity)
        return self.page


def version_quads(config: Config, path: Path, build_id: str | None = None) -> bytes:
    """Every version of the history as N-Quads in the named graph `versions` (only those of the
    build `build_id` when given: what an incremental build adds to the served graph)."""
    graph = f"<{config.graph_iri('versions')}>"
    isoko = PREFIXES["isoko"]
    out: list[str] = []
    previous: dict[str, str] = {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        query = ("SELECT v.entity, b.id, b.created, v.change, v.properties FROM versions v "
                 "JOIN builds b ON b.seq = v.build")
        if build_id is not None:  # the versions of that build and each entity's version before it
            query += (" WHERE v.entity IN (SELECT entity FROM versions JOIN builds ON builds.seq = versions.build "
                      "WHERE builds.id = :build) AND v.seq >= COALESCE((SELECT MAX(w.seq) FROM versions w "
                      "JOIN builds c ON c.seq = w.build WHERE w.entity = v.entity AND c.id != :build), 0)")
        rows = db.execute(query + " ORDER BY v.seq", {"build": build_id})
        for entity, version_build, created, change, properties in rows:
            if build_id is not None and version_build != build_id:
                previous[entity] = f"<{version_iri(entity, version_build)}>"
                continue
            build = version_build
            v = f"<{version_iri(entity, build)}>"
            out.append(f"{v} <{PREFIXES['rdf']}type> <{CHANGE_TYPES[change]}> {graph} .\n"
                       f"{v} <{DCT}isVersionOf> <{entity}> {graph} .\n"
                       f"{v} <{PROV}generatedAtTime> \"{created}\"^^<{XSD}dateTime> {graph} .\n")
            if entity in previous:
                out.append(f"{v} <{PROV}wasRevisionOf> {previous[entity]} {graph} .\n")
            out.extend(f"{v} <{isoko}changedProperty> <{p}> {graph} .\n" for p in properties.split())
            previous[entity] = v
    return "".join(out).encode()
