"""Read every source of data/ and the ontology into RDF quads, grouped by named graph."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from isoko.config import Config
from sparql_endpoint.store import OxigraphStore

from .context import SourceContext
from .geography import MAP_FILE, map_records
from .kinds import KINDS, SLUG, SOURCE_KINDS
from .mapping import Entity, map_record
from .problems import Problem, ProblemsFound
from .yaml_source import LineDict, read_yaml

ONTOLOGY_FILES = ("official/cpsv-ap.ttl", "isoko.ttl", "schemes/*.ttl")
JSON_LD_BATCH = 500  # entities per JSON-LD parse
PARALLEL_FILES = 5000  # from this many source files on, read them in worker processes
MAX_WORKERS = 4
PIECE_FILES = 4 * JSON_LD_BATCH  # files per task of a worker process: whole JSON-LD batches


@dataclass
class Catalogue:
    """The parsed sources: entities with their line maps, and quads per named graph (as objects,
    and as N-Quads text from worker processes: loaded into a store without a Python object each)."""

    config: Config
    entities: list[Entity] = field(default_factory=list)
    objects: list[ox.Quad] = field(default_factory=list)
    n_quads: list[bytes] = field(default_factory=list)  # more quads, as the worker processes sent them
    problems: list[Problem] = field(default_factory=list)
    map_disagreements: list = field(default_factory=list)  # geography.Disagreement

    @property
    def quads(self) -> list[ox.Quad]:
        """Every quad as an object (the workers' N-Quads parsed on first use)."""
        for chunk in self.n_quads:
            self.objects.extend(ox.parse(chunk, format=ox.RdfFormat.N_QUADS))
        self.n_quads.clear()
        return self.objects

    def add(self, part: tuple[list[Entity], list[ox.Quad] | bytes, list[Problem]]) -> None:
        """Add the entities, quads and problems that read_files (or _map_places) returned."""
        entities, quads, problems = part
        self.entities.extend(entities)
        if isinstance(quads, bytes):
            self.n_quads.append(quads)
        else:
            self.objects.extend(quads)
        self.problems.extend(problems)

    def load_into(self, store: OxigraphStore) -> None:
        """Move the quads into `store`: the objects, then the N-Quads (the order a store keeps)."""
        store.load(self.objects)
        for chunk in self.n_quads:  # pyoxigraph's own writing of parsed terms: not checked again (0.8 s at 1M)
            store._store.load(chunk, format=ox.RdfFormat.N_QUADS, lenient=True)
        self.objects.clear()  # in the store now: frees a Python object per triple
        self.n_quads.clear()

    def entity_for(self, iri: str) -> tuple[Entity, str] | None:
        """The entity whose file wrote this node, and the node's IRI relative to the id base."""
        relative = iri.removeprefix(self.config.id_base)
        entity = self._by_ref.get(relative.split("#", 1)[0]) if relative != iri else None
        return (entity, relative) if entity else None

    def index(self) -> None:
        self._by_ref = {entity.ref: entity for entity in self.entities}


def display_path(path: Path, config: Config) -> str:
    try:
        return str(path.resolve().relative_to(config.root))
    except ValueError:
        return str(path)


def source_entries(config: Config) -> list[tuple[str, os.DirEntry]]:
    """(kind/file.yaml, its directory entry) of every source file of data/, sorted by that name
    (as text: sorting 43,000 Path objects costs a second at 1M triples)."""
    found = []
    for kind in SOURCE_KINDS:
        try:
            with os.scandir(config.data_dir / kind) as entries:
                found += [(f"{kind}/{e.name}", e) for e in entries if e.name.endswith((".yaml", ".yml")) and e.is_file()]
        except (FileNotFoundError, NotADirectoryError):
            continue
    return sorted(found, key=lambda item: item[0])


def source_files(config: Config) -> list[Path]:
    return [config.data_dir / name for name, _ in source_entries(config)]


def read_catalogue(config: Config, workers: int | None = None, into: OxigraphStore | None = None) -> Catalogue:
    """Parse ontology and sources. Problems are collected, not raised, so all are reported at once.

    Large catalogues are read by `workers` processes (default: one per core from PARALLEL_FILES
    files on), each taking an interleaved share of the files, in pieces; the result is the same.
    With `into`, the quads go into that store as they come (in the order `load_into` gives: the
    pieces already read while the workers read the next ones) instead of staying in the catalogue,
    unless there are problems (the build stops then)."""
    catalogue = Catalogue(config)
    catalogue.problems.extend(unexpected_files(config))
    added, extra, catalogue.map_disagreements, map_problems = map_records(config)
    catalogue.problems.extend(map_problems)
    files = source_files(config)
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if len(files) >= PARALLEL_FILES else 1
    with _collector_off():
        if workers > 1:
            _read_in_workers(catalogue, files, workers, added, extra, into)
        else:
            catalogue.add(read_files(config, files, extra))
            if added:
                catalogue.add(_map_places(config, added))
            catalogue.objects.extend(ontology_quads(config))
    catalogue.entities.sort(key=lambda entity: entity.file)
    catalogue.index()
    _load(catalogue, into)
    return catalogue


def _read_in_workers(catalogue: Catalogue, files: list[Path], workers: int, added: list[tuple[str, LineDict]],
                     extra: dict[str, dict], into: OxigraphStore | None) -> None:
    """Share i of `workers` is files[i::workers], read in pieces of whole JSON-LD batches (so its
    quads come in the same order as in one piece); the quads of the places the administrative map
    adds and of the ontology are loaded first, then each piece's as it comes."""
    config = catalogue.config
    pieces = [share[start:start + PIECE_FILES] for share in (files[number::workers] for number in range(workers))
              for start in range(0, len(share), PIECE_FILES)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = pool.map(read_files, [config] * len(pieces), pieces, [extra] * len(pieces))
        places, place_quads, place_problems = _map_places(config, added) if added else ([], [], [])
        catalogue.objects.extend(place_quads)  # first: loaded before the workers' quads, as ever
        catalogue.objects.extend(ontology_quads(config))
        _load(catalogue, into)
        for part in parts:  # in order, as they come: each loaded while the workers read on
            catalogue.add(part)
            _load(catalogue, into)
    catalogue.add((places, [], place_problems))


def _load(catalogue: Catalogue, into: OxigraphStore | None) -> None:
    """Move the quads read so far into `into`, if any, unless there are problems (the build stops)."""
    if into is not None and not catalogue.problems:
        catalogue.load_into(into)


def _map_places(config: Config, added: list[tuple[str, LineDict]]) -> tuple[list[Entity], list[ox.Quad], list[Problem]]:
    """The places the administrative map adds (loaders/geography.py), as if each had its file."""
    context = SourceContext(config.ontology_dir / "context.jsonld")
    entities, problems, quads = [], [], []
    batch = []
    for slug, record in added:
        entity, entity_problems = map_record(KINDS["place"], slug, record, f"data/{MAP_FILE}", context)
        problems.extend(entity_problems)
        batch.append((entity, 0))
    for start in range(0, len(batch), JSON_LD_BATCH):
        _to_rdf(batch[start:start + JSON_LD_BATCH], config, context, entities, quads, problems)
    return entities, quads, problems


def read_files(config: Config, files: list[Path], extra: dict[str, dict] | None = None
                ) -> tuple[list[Entity], list[ox.Quad] | bytes, list[Problem]]:
    """Entities, their quads and the problems of some source files (in a worker: quads as N-Quads);
    `extra`: keys the administrative map adds to places of data/ (their code, chef-lieu), by slug."""
    with _collector_off():
        return _read_files(config, files, extra)


@contextmanager
def _collector_off() -> Iterator[None]:
    """Parsing makes millions of objects and almost no cycles: the collector's passes over them
    cost 7 % of the parse (benchmarks/README.md); whatever is cyclic is collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_files(config: Config, files: list[Path], extra: dict[str, dict] | None
                ) -> tuple[list[Entity], list[ox.Quad] | bytes, list[Problem]]:
    context = SourceContext(config.ontology_dir / "context.jsonld")
    root, data_dir = config.root.resolve(), config.data_dir.resolve()
    entities, problems, quads = [], [], []
    batch: list[tuple[Entity, int]] = []
    for path in files:
        display = _display(data_dir / path.parent.name / path.name, root)
        kind, slug = KINDS[path.parent.name], path.stem
        if not SLUG.match(slug):
            problems.append(Problem(display, 0, f"file name `{path.name}` is not a valid slug",
                                    fix="use lowercase ASCII words joined by hyphens, e.g. birth-certificate.yaml"))
            continue
        try:
            record = read_yaml(path, display)
        except ProblemsFound as err:
            problems.extend(err.problems)
            continue
        if kind.name == "place" and extra and slug in extra:
            for key, value in extra[slug].items():
                if key not in record:
                    record[key] = value
                    record.key_lines[key] = record.line
        entity, entity_problems = map_record(kind, slug, record, display, context)
        problems.extend(entity_problems)
        if entity_problems:
            continue
        batch.append((entity, record.line))
        if len(batch) >= JSON_LD_BATCH:
            _to_rdf(batch, config, context, entities, quads, problems)
            batch = []
    _to_rdf(batch, config, context, entities, quads, problems)
    if multiprocessing.parent_process() is not None:  # quads cross the process boundary as N-Quads
        for entity in entities:
            entity.document = {}  # turned into quads: not pickled (a second of CPU at 1M triples)
        return entities, ox.serialize(quads, format=ox.RdfFormat.N_QUADS), problems
    return entities, quads, problems


def _to_rdf(batch: list[tuple[Entity, int]], config: Config, context: SourceContext, entities: list[Entity],
            quads: list[ox.Quad], problems: list[Problem]) -> None:
    """JSON-LD -> quads for a batch of entities in one parse (the context is processed once), each
    in its named graph; when the batch fails, entity by entity, to say which file is at fault."""
    if not batch:
        return
    graphs: dict[str, list[dict]] = {}
    for entity, _ in batch:
        body = {k: v for k, v in entity.document.items() if k != "@context"}
        graphs.setdefault(config.graph_iri(_graph_name(entity)), []).append(body)
    document = {"@context": context.root, "@graph": [{"@id": g, "@graph": docs} for g, docs in graphs.items()]}
    try:
        quads.extend(ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD, base_iri=config.id_base))
        entities.extend(entity for entity, _ in batch)
        return
    except (SyntaxError, ValueError):
        pass
    for entity, line in batch:
        try:
            graph = ox.NamedNode(config.graph_iri(_graph_name(entity)))
            triples = ox.parse(json.dumps(entity.document).encode(), format=ox.RdfFormat.JSON_LD,
                               base_iri=config.id_base)
            quads.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples)
        except (SyntaxError, ValueError) as err:
            problems.append(Problem(entity.file, line, f"cannot be read as linked data: {err}",
                                    fix="check references (kind/slug) and URLs in this file"))
            continue
        entities.append(entity)


def _display(path: Path, root: Path) -> str:
    """display_path for a path already resolved (without resolving each file again)."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _graph_name(entity: Entity) -> str:
    if entity.kind.graph:
        return entity.kind.graph
    authority = entity.authority_slug()
    return f"institution/{authority}" if authority else "unassigned"


def unexpected_files(config: Config) -> list[Problem]:
    problems = []
    if not config.data_dir.is_dir():
        return [Problem(str(config.data_dir), 0, "the data folder does not exist",
                        fix="set ISOKO_DATA to the folder holding procedure/, institution/...")]
    for path in sorted(config.data_dir.iterdir()):
        if path.is_dir() and path.name not in SOURCE_KINDS:
            problems.append(Problem(display_path(path, config), 0, f"unknown kind folder `{path.name}`",
                                    fix=f"use one of: {', '.join(SOURCE_KINDS)}"))
        elif path.is_dir():
            for name in sorted(n for n in os.listdir(path) if not n.endswith((".yaml", ".yml"))):
                problems.append(Problem(display_path(path / name, config), 0, "not a .yaml file",
                                        fix="sources are one .yaml file per entity; move other files out of data/"))
    return problems


def ontology_quads(config: Config) -> list[ox.Quad]:
    graph = ox.NamedNode(config.graph_iri("ontology"))
    quads = []
    for pattern in ONTOLOGY_FILES:
        for path in sorted(config.ontology_dir.glob(pattern)):
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=config.id_base):
                quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return quads
