"""Incremental build: a few source files changed since the served build; patch a copy of it.

Every build folder holds `sources.json`: the SHA-256 of each source file (with its size and
time, so that the next build only reads the files whose size or time differ) and the key of
everything else a build reads (`inputs_key`: the loaders' code, ontology/, shapes/, the place map,
the configuration that shapes the output, the libraries' versions). When the key is the same and
few files differ, `rebuild` makes the new build from the served one instead of from scratch:

- parse: only the changed files (the others parsed as before: a file's entity, its quads and
  its problems depend on that file alone);
- store: a copy of the served store (a RocksDB checkpoint: hard links) from which the quads of the
  changed entities (subject the entity or one of its `#` nodes, entailed ones included) are
  removed and their new ones added, entailed by the same rules over the new quads and the
  ontology graph. The rules of ontology/rules/ read and write one named graph at a time, and
  those that infer about a node read only that node's own triples, except typing a node that a
  triple points to (web pages); such nodes outside the catalogue are recomputed from what points
  to them in the patched store; one inside it (another entity) makes the build a full one;
- validation: every focus node whose shape view can have changed (the changed entities, the
  entities pointing to them, the outside nodes recomputed) is validated with the same engines on a
  shard of the patched store built like loaders/validation.py's shards (whole entities plus what
  constraints read one step away): the others see what they saw in the served build, which had no
  violation under the same shapes (same key), so the verdict is a full build's;
- history, search index, quality report, statistics, dumps: the served build's, with the changed
  entities' parts replaced (see each module); tests/test_incremental_build.py compares everything
  with a full build of the same sources.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

from isoko.config import ROOT, Config
from sparql_endpoint.history import FILE_NAME as HISTORY_FILE
from sparql_endpoint.store import OxigraphStore

from .catalogue import Catalogue, read_files, source_entries, unexpected_files
from .describe import describe, patch_statistics
from .dumps import read_parts, write_dumps
from .geography import map_records
from .problems import ProblemsFound
from .quality import FILE_NAME as QUALITY_FILE, patch_quality, read_quality
from .search_index import FILE_NAME as SEARCH_FILE
from .validation import NotShardable, problems_of, second_hop, shacl_results
from .versions import record, stamp, version_quads

MANIFEST = "sources.json"
STATS = "stats.json"
MAX_CHANGED = 200  # more changed files than this: a full build
RACY_NS = 2_000_000_000  # a file written this close to its hashing is read again next time
CODE = ("loaders", "sparql_endpoint/history.py", "sparql_endpoint/changes.py", "sparql_endpoint/store.py",
        "isoko/config.py", "isoko/namespaces.py")
LIBRARIES = ("pyoxigraph", "pyrudof", "PyYAML", "rdflib", "pyshacl")
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


class NotIncremental(Exception):
    """This change cannot be patched safely; make a full build."""


@dataclass
class Changes:
    served: Path
    changed: list[Path]  # added or modified source files
    removed: list[str]  # kind/file.yaml
    hashes: dict[str, list]  # kind/file.yaml -> [SHA-256, size, mtime, when hashed], all of them
    key: str


def inputs_key(config: Config) -> str:
    """A digest of everything a build reads besides the source files."""
    digest = hashlib.sha256()
    files = [(ROOT, p) for part in CODE for p in sorted((ROOT / part).rglob("*.py") if (ROOT / part).is_dir()
                                                         else [ROOT / part]) if "spreadsheet" not in p.parts]
    files += [(config.root, p) for folder in (config.ontology_dir, config.shapes_dir)
              for p in sorted(folder.rglob("*")) if p.is_file()]
    files += [(config.data_dir, p) for p in (config.data_dir / "place-map.yaml",) if p.is_file()]
    for base, path in files:
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    settings = [config.base_iri, list(config.languages), config.history, sys.version]
    settings += [_version(name) for name in LIBRARIES]
    digest.update(json.dumps(settings).encode())
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def source_hashes(config: Config, known: dict[str, list] | None = None) -> dict[str, list]:
    """kind/file.yaml -> [SHA-256, size, mtime in ns, when hashed] of each source file. A file whose
    size and time are those `known` (a served build's manifest) keeps its hash without being read,
    unless it was written within RACY_NS of its hashing (a change in the same tick keeps its time)."""
    known = known or {}
    hashes = {}
    for name, entry in source_entries(config):
        status = entry.stat()
        before = known.get(name)
        if before and len(before) == 4 and before[1:3] == [status.st_size, status.st_mtime_ns] \
                and status.st_mtime_ns < before[3] - RACY_NS:
            hashes[name] = before
        else:
            with open(entry.path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            hashes[name] = [digest, status.st_size, status.st_mtime_ns, time.time_ns()]
    return hashes


def read_manifest(served: Path | None) -> dict:
    try:
        return json.loads((served / MANIFEST).read_text(encoding="utf-8")) if served else {}
    except (OSError, ValueError):
        return {}


def write_manifest(folder: Path, key: str, hashes: dict[str, list], stats: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps({"key": key, "sources": hashes}), encoding="utf-8")
    (folder / STATS).write_text(json.dumps(stats), encoding="utf-8")


def changes(config: Config, served: Path | None, manifest: dict, key: str, hashes: dict[str, list]) -> Changes | None:
    """What changed since the served build (whose manifest is `manifest`), or None when only a
    full build will do."""
    if served is None or manifest.get("key") != key or not (served / STATS).is_file() or unexpected_files(config):
        return None
    before = {name: entry[0] for name, entry in manifest["sources"].items()}
    changed = sorted(p for p, entry in hashes.items() if before.get(p) != entry[0])
    removed = sorted(set(before) - set(hashes))
    places_moved = any(p.startswith("place/") for p in set(before) ^ set(hashes))  # the map adds the others
    # nothing changed: a full build, which checks everything again from the sources
    if not changed and not removed or len(changed) + len(removed) > MAX_CHANGED or places_moved:
        return None
    return Changes(served, [config.data_dir / p for p in changed], removed, hashes, key)


def owner_iri(config: Config, relative: str) -> str:
    """The IRI of the entity a source file (kind/file.yaml) writes."""
    kind, name = relative.split("/", 1)
    return f"{config.id_base}{kind}/{Path(name).stem}"


def rebuild(config: Config, plan: Changes, build_id: str, folder: Path, created: datetime,
            progress, seconds: dict[str, float], lap, write_search) -> tuple:
    """Write the new build into `folder` (which exists and is empty); (statistics, dumps, search
    rows, history, description quads, store) for loaders/build.py to finish. Raises ProblemsFound
    like a full build, and NotIncremental when the change cannot be patched (the folder is then
    dropped). `write_search`: search_index.write_search_index (as loaders/build.py names it)."""
    progress("parse", f"{len(plan.changed)} changed and {len(plan.removed)} removed source file(s)")
    owners = {owner_iri(config, f"{p.parent.name}/{p.name}") for p in plan.changed}
    owners |= {owner_iri(config, p) for p in plan.removed}
    catalogue = Catalogue(config)
    disagreements = None
    extra = None
    if any(p.parent.name == "place" for p in plan.changed):
        _, extra, disagreements, _ = map_records(config)
    entities, quads, problems = read_files(config, plan.changed, extra)
    if problems:
        raise ProblemsFound(problems)
    catalogue.entities = entities
    catalogue.index()
    seconds["parse"] = lap()

    progress("patch", f"a copy of {plan.served.name}'s store")
    served = OxigraphStore(plan.served / "store", read_only=True)
    served._store.backup(str(folder / "store"))
    store = OxigraphStore(folder / "store")
    other = [config.graph_iri(name) for name in ("versions", "metadata")]
    removed, added, outside = _patch(config, store, owners, quads, other)
    seconds["patch"] = lap()

    progress("validate", f"the entities whose shapes can see the change ({len(owners)} changed)")
    problems = _validate(config, store, owners, outside, catalogue)
    if problems:
        raise ProblemsFound(problems)
    seconds["validate"] = lap()

    progress("history", "versions of the changed entities")
    recorded = None
    if config.history:
        owned = _owned_quads(store, owners, other)
        recorded = record(config, plan.served / HISTORY_FILE, folder / HISTORY_FILE,
                          ox.serialize(owned, format=ox.RdfFormat.N_QUADS), build_id, stamp(created), only=owners)
        store._store.extend(ox.parse(version_quads(config, folder / HISTORY_FILE, build_id),
                                     format=ox.RdfFormat.N_QUADS))
    seconds["history"] = lap()

    progress("index", "search index, quality report, statistics and dumps of what changed")
    rows = write_search(store, folder / SEARCH_FILE, config, served=plan.served / SEARCH_FILE, subjects=sorted(owners))
    mini = OxigraphStore()
    mini.load(_owned_quads(store, owners, other))
    patch_quality(read_quality(plan.served), mini, folder / QUALITY_FILE, config, owners,
                  lambda iri: _file(catalogue, iri), disagreements)
    stats = patch_statistics(json.loads((plan.served / STATS).read_text(encoding="utf-8")), served, store,
                             removed, added, other)
    graphs = [g for g, _ in stats["graphs"]]
    touched = {q.graph_name.value for q in removed + added}
    reuse = {g: part for g, part in read_parts(plan.served, config.base_iri).items() if g not in touched}
    dumps = write_dumps(store, folder / "dumps", config.base_iri, reuse=reuse, graphs=graphs)
    description = describe(config, stats, dumps, created)
    store._store.remove_graph(ox.NamedNode(config.graph_iri("metadata")))
    write_manifest(folder, plan.key, plan.hashes, stats)
    seconds["index"] = lap()
    return stats, dumps, rows, recorded, description, store


def _file(catalogue: Catalogue, iri: str) -> str:
    found = catalogue.entity_for(iri)
    return str(found[0].file) if found else ""


def _owned_quads(store: OxigraphStore, owners: set[str], other: list[str]) -> list[ox.Quad]:
    """The quads of the data graphs whose subject is one of `owners` or one of their `#` nodes
    (every `#` node is reached from its entity: it is written as a block inside it)."""
    skip = {ox.NamedNode(g) for g in other}
    found: list[ox.Quad] = []
    seen: set[str] = set()
    pending = sorted(owners)
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        owner = node.split("#", 1)[0]
        for quad in store._store.quads_for_pattern(ox.NamedNode(node), None, None):
            if quad.graph_name in skip:
                continue
            found.append(quad)
            value = quad.object
            if isinstance(value, ox.NamedNode) and value.value.startswith(owner + "#"):
                pending.append(value.value)
    return found


def _owner(iri: str, config: Config) -> str | None:
    return iri.split("#", 1)[0] if iri.startswith(config.id_base) else None


def _entail(config: Config, quads: list[ox.Quad], ontology: list[ox.Quad]) -> list[ox.Quad]:
    """`quads` with what the rules of ontology/rules/ infer from them and the ontology graph."""
    store = OxigraphStore()
    store.load(quads + ontology)
    for rules in sorted((config.ontology_dir / "rules").glob("*.ru")):
        store.update(rules.read_text(encoding="utf-8"))
    graph = ox.NamedNode(config.graph_iri("ontology"))
    return [q for q in store.quads() if q.graph_name != graph]


def _patch(config: Config, store: OxigraphStore, owners: set[str], new: list[ox.Quad],
           other: list[str]) -> tuple[list[ox.Quad], list[ox.Quad], set[str]]:
    """Replace the owners' quads in `store`; (quads removed, quads added, outside nodes recomputed)."""
    ontology = list(store._store.quads_for_pattern(None, None, None, ox.NamedNode(config.graph_iri("ontology"))))
    if any(q.predicate.value == RDFS_SUBCLASS for q in new):
        raise NotIncremental("a source writes rdfs:subClassOf, which the rules read in every graph")
    old = _owned_quads(store, owners, other)
    inferred_old = _entail(config, old, ontology)
    inferred_new = _entail(config, new, ontology)
    mine = {q for q in inferred_new if _owner(q.subject.value, config) in owners}
    outside: set[str] = set()
    for quad in inferred_old + inferred_new:
        owner = _owner(quad.subject.value, config) if isinstance(quad.subject, ox.NamedNode) else None
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            raise NotIncremental("blank nodes")
        if owner is None:
            outside.add(quad.subject.value)
        elif owner not in owners:
            raise NotIncremental(f"the rules infer about {quad.subject.value} from another entity")
    before = set(old)
    removed = [q for q in old if q not in mine]
    added = [q for q in mine if q not in before]
    for quad in removed:
        store._store.remove(quad)
    store._store.extend(added)
    # outside nodes (web pages) typed by the rules from what points to them, in each graph
    graphs = {q.graph_name for q in old + list(mine)}
    recomputed_removed, recomputed_added = _recompute_outside(config, store, outside, graphs, ontology)
    return removed + recomputed_removed, added + recomputed_added, outside


def _recompute_outside(config: Config, store: OxigraphStore, nodes: set[str], graphs: set,
                       ontology: list[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    removed, added = [], []
    for node in sorted(nodes):
        term = ox.NamedNode(node)
        for graph in graphs:
            before = set(store._store.quads_for_pattern(term, None, None, graph))
            pointing = list(store._store.quads_for_pattern(None, None, term, graph))
            after = {q for q in _entail(config, pointing, ontology) if q.subject == term and q.graph_name == graph}
            removed += [q for q in before if q not in after]
            added += [q for q in after if q not in before]
    for quad in removed:
        store._store.remove(quad)
    store._store.extend(added)
    return removed, added


def _validate(config: Config, store: OxigraphStore, owners: set[str], outside: set[str],
              catalogue: Catalogue) -> list:
    """The problems a full build would report (see the module's docstring)."""
    try:
        hop = second_hop(config.shapes_dir)
    except NotShardable as err:
        raise NotIncremental(f"the shapes cannot be checked per entity: {err}") from None
    referrers = set()
    for owner in owners:
        for quad in store._store.quads_for_pattern(None, None, ox.NamedNode(owner)):
            found = _owner(quad.subject.value, config) if isinstance(quad.subject, ox.NamedNode) else None
            if found and found not in owners and quad.graph_name.value != config.graph_iri("versions"):
                referrers.add(found)
    judged = owners | referrers
    other = [config.graph_iri(name) for name in ("versions", "metadata")]
    quads = _owned_quads(store, judged, other)
    quads += [q for node in sorted(outside) for q in store._store.quads_for_pattern(ox.NamedNode(node), None, None)
              if q.graph_name.value not in other]
    pointed = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    hops = [q for node in pointed for q in store._store.quads_for_pattern(node, None, None)
            if q.predicate.value in hop and q.graph_name.value not in other]
    schema = list(store._store.quads_for_pattern(None, ox.NamedNode(RDFS_SUBCLASS), None))
    shard = OxigraphStore()
    shard.load(set(quads + hops + schema))
    results = [r for r in shacl_results(shard, config.shapes_dir)
               if (_owner(r.focus, config) in judged) or r.focus in outside]
    if not results:
        return []
    known = {entity.ref for entity in catalogue.entities}
    files = [config.data_dir / f"{kind}/{slug}.yaml" for kind, slug in
             (iri.removeprefix(config.id_base).split("/", 1) for iri in referrers)
             if f"{kind}/{slug}" not in known]
    entities, _, _ = read_files(config, [f for f in files if f.is_file()])
    catalogue.entities += entities
    catalogue.index()
    return problems_of(results, catalogue)
