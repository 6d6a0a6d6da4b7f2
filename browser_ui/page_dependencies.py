"""What a cached page depends on, and which entities a new build changed, so that a build switch
drops only the pages it made stale (browser_ui/page_cache.py).

A page opts in with `track()` before it reads the store; then every function that reads the store
for it notes the entities it shows (`note`: their triples or labels) and those whose referrers it
looked up (`note_links_to`: the procedures of an institution or a theme, who issues a document,
the links to an entity), and one that reads something no entity bounds (every procedure...) gives
up with `note_everything`. A page that did not opt in depends on everything: the lists, the home
page, search, feeds are dropped at every switch. An entity is an IRI under `{base}id/` without its
`#` part (a fee is its procedure's).

A switch from build A to build B drops a page when it shows an entity with a version in B's
history after A, or looked up the referrers of an entity that a description of those entities,
before or after, points to (so an institution's page goes when one of its procedures changes, is
added or removed, and a page that only labels that institution stays). Without a history that
leads from A to B (ISOKO_HISTORY=0, a rollback, a new history, a remote store), with more than
MAX_VERSIONS versions between them, or when the ontology graph changed (it has no versions, and its
labels name document types, currencies, properties), every page is dropped. Each worker works this out on its own
switch, from B's history.sqlite (13 ms at 1M for a one-procedure publish). A kept page keeps its
ETag and its feedback form's token, which name the build it was made from: its content is the
new build's.
"""

from __future__ import annotations

import re
import sqlite3
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from flask import current_app, g, has_request_context

from isoko.config import Config
from loaders.dumps import dump_name
from sparql_endpoint.current import build_file
from sparql_endpoint.history import FILE_NAME, History, HistoryUnavailable, Version

MAX_VERSIONS = 1000  # more changed entities than this: a rebuild of everything, drop every page
IRI = re.compile(rb"<([^>]*)>")


@dataclass(frozen=True)
class Dependencies:
    """Hashes (hash(), per process like the cache) of the entities a page shows and of those whose
    referrers it looked up."""
    shown: array
    referred: array

    @property
    def size(self) -> int:
        return 8 * (len(self.shown) + len(self.referred))


@dataclass(frozen=True)
class Changes:
    """What a new build changed: entities with a new version, and those their descriptions point to."""
    changed: frozenset[int]
    pointed: frozenset[int]

    def stale(self, depends: Dependencies | None) -> bool:
        """True when a page of these dependencies may read differently now."""
        return (depends is None or any(h in self.changed for h in depends.shown)
                or any(h in self.pointed for h in depends.referred))


def track() -> None:
    """The page being made keeps a list of the entities it reads (see `note`)."""
    if has_request_context():
        g.page_dependencies = (set(), set())


def _add(iris: Iterable[str], which: int) -> None:
    found = g.get("page_dependencies") if has_request_context() else None
    if found is not None:
        base = current_app.config["ISOKO"].id_base
        found[which].update(entity_of(i) for i in iris if i.startswith(base))


def note(iris: Iterable[str]) -> None:
    """The page being made shows these IRIs' triples or labels (only entities are kept)."""
    _add(iris, 0)


def note_links_to(iris: Iterable[str]) -> None:
    """The page being made looked up what points to these IRIs."""
    _add(iris, 1)


def note_everything() -> None:
    """The page being made read something no entity bounds: any change may change it."""
    if has_request_context():
        g.pop("page_dependencies", None)


def noted(prefix: str) -> list[str]:
    """The entities under `prefix` the page being made shows so far."""
    found = g.get("page_dependencies") if has_request_context() else None
    return sorted(i for i in found[0] if i.startswith(prefix)) if found is not None else []


def dependencies() -> Dependencies | None:
    """What the page just made depends on, None for everything."""
    found = g.get("page_dependencies")
    if found is None:
        return None
    return Dependencies(*(array("q", sorted({hash(i) for i in iris})) for iris in found))


def entity_of(iri: str) -> str:
    return iri.split("#", 1)[0]


def changed_entities(config: Config, older: str, newer: str) -> Changes | None:
    """What build `newer` changed since build `older` (see the module's docstring), or None when
    that cannot be told: then every page is stale."""
    try:
        if not _same_ontology(config, older, newer):
            return None
        history = History(build_file(config, newer, FILE_NAME))
        builds = {build_id: (seq, created) for seq, build_id, created in history.builds()}
        if older not in builds or newer not in builds or builds[older][0] >= builds[newer][0]:
            return None
        old_seq = builds[older][0]
        since = min(created for seq, created in builds.values() if seq > old_seq)
        versions = [v for v in history.latest(MAX_VERSIONS + 1, since=since) if v.build_seq > old_seq]
        if len(versions) > MAX_VERSIONS:
            return None
        first: dict[str, Version] = {}
        for version in versions:  # newest first: the last one seen of an entity is its first after `older`
            first[version.entity] = version
        descriptions = [v.description for v in versions]
        descriptions += [before.description for before in map(history.before, first.values()) if before]
    except (HistoryUnavailable, sqlite3.Error, OSError, zlib.error):
        return None
    pointed = {iri.decode() for text in descriptions for iri in IRI.findall(text)}
    return Changes(frozenset(hash(e) for e in first),
                   frozenset(hash(entity_of(i)) for i in pointed if i.startswith(config.id_base)))


def _same_ontology(config: Config, older: str, newer: str) -> bool:
    """True when both builds' ontology dumps hold the same bytes (they are written deterministically)."""
    dump = f"dumps/{dump_name(config.graph_iri('ontology'), config.base_iri)}.ttl.gz"
    return Path(build_file(config, older, dump)).read_bytes() == Path(build_file(config, newer, dump)).read_bytes()
