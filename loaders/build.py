"""The build: sources -> RDF -> entailment -> validation -> new store + dumps -> atomic switch.

A build writes into a fresh hidden folder of var/builds/ and, only when everything succeeded,
renames it into place and swaps the var/current symlink with one rename. A failed or killed build
leaves the served build untouched; its leftovers are removed by the next build.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from isoko.config import Config
from sparql_endpoint.history import FILE_NAME as HISTORY_FILE
from sparql_endpoint.store import OxigraphStore

from .catalogue import Catalogue, read_catalogue
from .describe import describe, statistics
from .dumps import store_n_quads, write_dumps
from .incremental import (Changes, NotIncremental, changes, inputs_key, read_manifest, rebuild, source_hashes,
                          write_manifest)
from .problems import Problem, ProblemsFound
from .quality import FILE_NAME as QUALITY_FILE, write_quality
from .search_index import FILE_NAME as SEARCH_FILE, write_search_index
from .versions import Recorded, record as record_versions, stamp, version_quads
from .validation import union_graph, validate  # noqa: F401 (union_graph: for callers of the old API)

KEEP_BUILDS = 3
PUBLIC_SERVICE = "http://purl.org/vocab/cpsv#PublicService"
Progress = Callable[[str, str], None]


class BuildBusy(RuntimeError):
    """Another build holds the lock."""


@dataclass
class BuildInfo:
    id: str
    created: str
    base_iri: str
    triples: int
    procedures: int
    graphs: dict[str, int]
    dumps: list[dict] = field(default_factory=list)
    # parse, validate, history, index, load: the store is loaded in a thread during the history and
    # index stages, so "load" is only the wait for it after them (incremental builds: parse, patch,
    # validate, history, index, load).
    seconds: dict[str, float] = field(default_factory=dict)
    search_rows: int = 0
    # entities created, changed and removed by this build, and versions in the whole history
    history: dict[str, int] = field(default_factory=dict)


def _noop(stage: str, detail: str) -> None:
    pass


def entailed_store(catalogue: Catalogue) -> OxigraphStore:
    """The catalogue in an in-memory store with the entailment rules of ontology/rules/ applied
    (the catalogue's quads move into it)."""
    store = OxigraphStore()
    catalogue.load_into(store)
    return entail(store, catalogue.config)


def entail(store: OxigraphStore, config: Config) -> OxigraphStore:
    """`store` with the entailment rules of ontology/rules/ applied."""
    for rules in sorted((config.ontology_dir / "rules").glob("*.ru")):
        store.update(rules.read_text(encoding="utf-8"))
    return store


def check_sources(config: Config, paths: list[Path] | None = None) -> list[Problem]:
    """Every problem of the catalogue (or only those in `paths`), without writing anything."""
    catalogue = read_catalogue(config)
    problems = list(catalogue.problems)
    if not problems:
        problems = validate(entailed_store(catalogue), catalogue)
    if paths:
        wanted = {str(p) for p in paths} | {str(Path(p).resolve()) for p in paths}
        problems = [p for p in problems if p.file in wanted or str(config.root / p.file) in wanted]
    return problems


def build(config: Config, progress: Progress = _noop, full: bool = False) -> BuildInfo:
    """Build the sources into a new build folder and switch var/current to it.

    Unless `full`, when the served build was made from the same code, ontology and shapes and
    only a few source files differ, the new build is made from the served one
    (loaders/incremental.py): the same result, in a fraction of the time."""
    config.builds_dir.mkdir(parents=True, exist_ok=True)
    with _lock(config.var_dir / ".build.lock"):
        _remove_leftovers(config)
        build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ-") + uuid.uuid4().hex[:6]
        started = time.perf_counter()
        served = current_build(config)
        manifest = read_manifest(served)
        key, hashes = inputs_key(config), source_hashes(config, manifest.get("sources"))
        plan = None if full else changes(config, served, manifest, key, hashes)
        if plan is not None:
            try:
                return _incremental(config, plan, build_id, started, progress)
            except NotIncremental as err:
                progress("parse", f"a full build: {err}")
        return _full(config, build_id, started, key, hashes, progress)


def _full(config: Config, build_id: str, started: float, key: str, hashes: dict[str, list],
          progress: Progress) -> BuildInfo:
    seconds: dict[str, float] = {}
    progress("parse", "reading data/ and ontology/")
    memory = OxigraphStore()
    catalogue = read_catalogue(config, into=memory)  # loaded while the sources are read
    if catalogue.problems:
        raise ProblemsFound(catalogue.problems)
    entail(memory, config)
    seconds["parse"] = _lap(started)

    progress("validate", f"{len(memory)} triples against CPSV-AP 3.2.0 and Isôko shapes")
    problems = validate(memory, catalogue)
    if problems:
        raise ProblemsFound(problems)
    seconds["validate"] = _lap(started, seconds)

    tmp = config.builds_dir / f".tmp-{build_id}"
    loader = None
    created = datetime.now(timezone.utc)
    try:
        tmp.mkdir()
        n_quads, graph_n_quads = store_n_quads(memory, memory.graphs())  # for the store, history and dumps
        progress("load", f"into {tmp.name}, while the history and index stages run")
        loader = _StoreLoader(tmp / "store", n_quads)
        progress("history", "versions of the entities that changed since the served build")
        history_started = time.perf_counter()  # its own clock: the N-Quads above count in "index", as before
        history, versions = _record_history(config, tmp, n_quads, build_id, created)
        loader.end(versions)  # loaded with the rest while the index stage runs
        seconds["history"] = round(time.perf_counter() - history_started, 3)
        progress("index", "dumps, search index, quality report and build manifest")
        info, description, stats = _write_outputs(config, build_id, memory, tmp, catalogue, created, graph_n_quads)
        write_manifest(tmp, key, hashes, stats)
        seconds["index"] = _lap(started, seconds)
        del n_quads, graph_n_quads
        loader.finish(description)
        seconds["load"] = _lap(started, seconds)
        info.seconds = seconds
        info.history = asdict(history) if history else {}
        return _finish(config, tmp, info)
    except BaseException:
        if loader is not None:
            loader.close()  # the store's files are complete (or abandoned) before the folder goes
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _incremental(config: Config, plan: Changes, build_id: str, started: float, progress: Progress) -> BuildInfo:
    """The build made from the served one by loaders/incremental.py; NotIncremental to build in full."""
    seconds: dict[str, float] = {}
    tmp = config.builds_dir / f".tmp-{build_id}"
    created = datetime.now(timezone.utc)
    try:
        tmp.mkdir()
        stats, dumps, rows, history, description, store = rebuild(
            config, plan, build_id, tmp, created, progress, seconds, lambda: _lap(started, seconds),
            write_search_index)
        store._store.extend(description)  # in a transaction, as _StoreLoader.finish does
        store.flush()
        del store  # closed before its folder is renamed
        (tmp / "description.nq").write_bytes(ox.serialize(description, format=ox.RdfFormat.N_QUADS))
        info = BuildInfo(id=build_id, created=created.isoformat(timespec="seconds"), base_iri=config.base_iri,
                         triples=sum(n for _, n in stats["graphs"]), procedures=_procedures(stats),
                         graphs=dict(stats["graphs"]), dumps=[asdict(d) for d in dumps], search_rows=rows,
                         seconds=seconds, history=asdict(history) if history else {})
        seconds["load"] = _lap(started, seconds)
        return _finish(config, tmp, info)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _finish(config: Config, tmp: Path, info: BuildInfo) -> BuildInfo:
    """Write build.json, rename the folder into place and switch var/current to it."""
    (tmp / "build.json").write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    final = config.builds_dir / info.id
    os.rename(tmp, final)
    _switch(config, final)
    _prune(config)
    return info


def _procedures(stats: dict) -> int:
    return dict(stats["classes"]).get(PUBLIC_SERVICE, 0)


def _record_history(config: Config, folder: Path, n_quads: bytes, build_id: str,
                    created: datetime) -> tuple[Recorded | None, bytes]:
    """The served build's history plus this build's versions into `folder`, and the versions
    graph's N-Quads for the store (nothing when config.history is off)."""
    if not config.history:
        return None, b""
    served = current_build(config)
    recorded = record_versions(config, served / HISTORY_FILE if served else None, folder / HISTORY_FILE,
                               n_quads, build_id, stamp(created))
    return recorded, version_quads(config, folder / HISTORY_FILE)


def _lap(started: float, previous: dict[str, float] | None = None) -> float:
    return round(time.perf_counter() - started - sum((previous or {}).values()), 3)


class _StoreLoader:
    """Bulk-loads N-Quads into a new on-disk store in a thread (pyoxigraph releases the GIL while
    it loads, so this overlaps the history and index stages): the in-memory store's, then, in the
    same bulk load, those given at the `end` (the versions). The load reads them from a pipe that a
    second thread writes as they come: in a transaction of their own, the versions cost 2.3 s of CPU
    at 1M triples (1.8 s to load, 0.5 s to flush), well under a second in the bulk load; a second
    bulk load would add SST files that slow every query (~20%). (The bulk load works in batches of
    a million quads: it writes the last, or only, batch once the input ends.) The build's
    description goes in last, in a transaction."""

    def __init__(self, path: Path, n_quads: bytes):
        self._store: ox.Store | None = None
        self._error: BaseException | None = None
        self._more: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._more.put(n_quads)
        reading, writing = os.pipe()
        self._threads = [threading.Thread(target=self._write, args=(writing,), name="store-input", daemon=True),
                         threading.Thread(target=self._load, args=(path, reading), name="store-loader", daemon=True)]
        for thread in self._threads:
            thread.start()

    def _write(self, pipe: int) -> None:
        try:
            while (chunk := self._more.get()) is not None:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(pipe, view):]
        except BrokenPipeError:
            pass  # the load stopped: finish() raises its error
        finally:
            os.close(pipe)  # the end of the input

    def _load(self, path: Path, pipe: int) -> None:
        try:
            self._store = ox.Store(str(path))
            # the in-memory store's N-Quads, of terms parsed already, and the versions made of them:
            # not checked again (1.3 s at 1M triples)
            self._store.bulk_load(path=f"/dev/fd/{pipe}", format=ox.RdfFormat.N_QUADS, lenient=True)
        except BaseException as err:  # re-raised by finish() in the building thread
            self._error = err
        finally:
            os.close(pipe)  # the writer's next write fails if the load stopped early

    def end(self, n_quads: bytes) -> None:
        """Load these N-Quads too, in the same bulk load, and end its input with them."""
        self._more.put(n_quads)
        self._more.put(None)

    def finish(self, description: list[ox.Quad]) -> None:
        """End the input, wait for the load, add `description`, flush to disk; the load's error if
        it failed."""
        self._join()
        if self._error is not None:
            raise self._error
        self._store.extend(description)
        self._store.flush()
        self.close()

    def close(self) -> None:
        """End the input, wait for the load (it cannot be interrupted) and close the store."""
        self._join()
        self._store = None

    def _join(self) -> None:
        self._more.put(None)
        for thread in self._threads:
            thread.join()


def _write_outputs(config: Config, build_id: str, store: OxigraphStore, folder: Path, catalogue: Catalogue,
                   created: datetime, n_quads: dict[str, memoryview]) -> tuple[BuildInfo, list[ox.Quad], dict]:
    """From the validated in-memory store (and its graphs' N-Quads): the dumps of the data graphs,
    the search index and the quality report, then the DCAT/VoID description (which lists the dumps)
    for graph metadata; with the statistics (kept for an incremental build)."""
    with ThreadPoolExecutor(1) as pool:  # the dumps (GIL released) beside the Python work below
        dumping = pool.submit(write_dumps, store, folder / "dumps", config.base_iri, graphs=list(n_quads),
                              n_quads=n_quads)
        stats = statistics(store)
        search_rows = write_search_index(store, folder / SEARCH_FILE, config)
        write_quality(store, folder / QUALITY_FILE, config, catalogue)  # SHACL warnings: quality.json
        dumps = dumping.result()
    graphs = dict(stats["graphs"])
    description = describe(config, stats, dumps, created)
    (folder / "description.nq").write_bytes(ox.serialize(description, format=ox.RdfFormat.N_QUADS))
    info = BuildInfo(id=build_id, created=created.isoformat(timespec="seconds"), base_iri=config.base_iri,
                     triples=sum(graphs.values()), procedures=_procedures(stats), graphs=graphs,
                     dumps=[asdict(d) for d in dumps], search_rows=search_rows)
    return info, description, stats


def _switch(config: Config, final: Path) -> None:
    """Point var/current at the new build with a single atomic rename of a relative symlink."""
    link = config.current_link
    temporary = link.with_name(f".current-{final.name}")
    os.symlink(os.path.relpath(final, link.parent), temporary)
    os.replace(temporary, link)
    directory = os.open(link.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_leftovers(config: Config) -> None:
    for leftover in config.builds_dir.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for stale_link in config.var_dir.glob(".current-*"):
        stale_link.unlink(missing_ok=True)


def _prune(config: Config) -> None:
    current = config.current_link.resolve()
    builds = sorted(p for p in config.builds_dir.iterdir() if not p.name.startswith("."))
    for old in builds[:-KEEP_BUILDS]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"another build is running (lock {path}); wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_build(config: Config) -> Path | None:
    target = config.current_link
    return target.resolve() if target.is_symlink() and target.resolve().is_dir() else None
