"""Dumps written by each build: N-Quads of everything, JSON-LD, and Turtle per named graph (gzip).

Every dump is made graph by graph (sorted by IRI): a graph's Turtle is one file, and the
whole-catalogue N-Quads and JSON-LD files are a series of gzip members, one per graph (a gzip file
may hold several members; every reader decompresses them as one text). The build folder's
`dumps.json` records where each graph's members start, so an incremental build
(loaders/incremental.py) recompresses only the graphs that changed and copies the other members'
bytes: the result is byte for byte the file a full build writes (gzip with mtime 0 is
deterministic). The work runs in threads: pyoxigraph and zlib release the GIL while they write.
"""

from __future__ import annotations

import gzip
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from isoko.namespaces import PREFIXES
from sparql_endpoint.store import OxigraphStore

INDEX = "dumps.json"  # in the build folder, beside dumps/ (not served)
LEVEL = 6
THREADS = 2
ALL = (("catalogue.nq.gz", "application/n-quads"), ("catalogue.jsonld.gz", "application/ld+json"))
# The JSON-LD of a dataset is an array of {"@id": graph, "@graph": [...]}: its members are "[", then
# each graph's object preceded by "," (but the first), then "]".
OPEN, SEPARATOR, CLOSE = (gzip.compress(text, LEVEL, mtime=0) for text in (b"[", b",", b"]"))


@dataclass(frozen=True)
class Dump:
    file: str  # name under dumps/
    media_type: str  # of the uncompressed content
    graph: str | None  # the named graph it holds, None for all
    bytes: int = 0


@dataclass(frozen=True)
class GraphParts:
    """One graph's gzip members: in catalogue.nq.gz, in catalogue.jsonld.gz, and its Turtle file."""

    n_quads: bytes
    json_ld: bytes
    turtle: bytes


def dump_name(graph: str, base_iri: str) -> str:
    return graph.removeprefix(base_iri + "graph/").replace("/", "-")


def graph_parts(store: OxigraphStore | ox.Store, graph: str,
                quads: bytes | memoryview | None = None) -> GraphParts:
    """The compressed dumps of one named graph of `store`; `quads`: its N-Quads, when made already
    (from an in-memory store: `store_n_quads`)."""
    raw = store._store if isinstance(store, OxigraphStore) else store  # bytes out: the GIL is released
    node = ox.NamedNode(graph)
    if quads is None:
        triples = raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node)
        quads = _in_graph(triples, graph)
        if isinstance(store, OxigraphStore) and store.path is not None:
            # an on-disk store decodes every term of each scan (8 µs a quad): scan it once
            raw = ox.Store()
            raw.load(triples, format=ox.RdfFormat.N_TRIPLES, to_graph=node)
    body = raw.dump(format=ox.RdfFormat.JSON_LD, from_graph=node)
    json_ld = b'{"@id":' + json.dumps(graph).encode() + b',"@graph":' + body + b"}"
    turtle = raw.dump(format=ox.RdfFormat.TURTLE, from_graph=node, prefixes=PREFIXES)
    return GraphParts(gzip.compress(quads, LEVEL, mtime=0), gzip.compress(json_ld, LEVEL, mtime=0),
                      gzip.compress(turtle, LEVEL, mtime=0))


def store_n_quads(store: OxigraphStore, graphs: list[str]) -> tuple[bytes, dict[str, memoryview]]:
    """Every quad of an in-memory store as N-Quads, graph after graph of `graphs` (the store's named
    graphs), then the default graph's (none in a build), and each graph's part of them: the dumps
    and the build share one copy."""
    raw = store._store

    def n_quads(graph: str) -> bytes:
        return _in_graph(raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)), graph)

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(n_quads, graphs))
    whole = b"".join(parts + [raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())])
    view, starts = memoryview(whole), [0]
    for part in parts:
        starts.append(starts[-1] + len(part))
    return whole, {g: view[a:b] for g, a, b in zip(graphs, starts, starts[1:])}


def _in_graph(triples: bytes, graph: str) -> bytes:
    """N-Triples as N-Quads of `graph`: N-Triples escape line breaks in literals, so " .\n" only
    ends lines."""
    return triples.replace(b" .\n", f" <{graph}> .\n".encode())


def write_dumps(store: OxigraphStore, folder: Path, base_iri: str, reuse: dict[str, GraphParts] | None = None,
                graphs: list[str] | None = None, n_quads: dict[str, memoryview] | None = None) -> list[Dump]:
    """Write the dumps of `graphs` (default: every graph of `store`) into `folder`, and their index
    beside it; `reuse`: the parts of graphs known unchanged (from a served build's dumps); `n_quads`:
    graphs' N-Quads made already (store_n_quads)."""
    folder.mkdir(parents=True, exist_ok=True)
    graphs = graphs if graphs is not None else store.graphs()
    reuse, n_quads = reuse or {}, n_quads or {}
    missing = [g for g in graphs if g not in reuse]
    with ThreadPoolExecutor(THREADS) as pool:
        made = dict(zip(missing, pool.map(lambda g: graph_parts(store, g, n_quads.get(g)), missing)))
    parts = [reuse.get(g) or made[g] for g in graphs]
    index: dict[str, object] = {"graphs": graphs}
    written = []
    for (name, media_type), members in zip(ALL, (_n_quads_members(parts), _json_ld_members(parts))):
        index[name] = _write_members(folder / name, members)
        written.append(Dump(name, media_type, None, os.path.getsize(folder / name)))
    for graph, part in zip(graphs, parts):
        name = f"{dump_name(graph, base_iri)}.ttl.gz"
        (folder / name).write_bytes(part.turtle)
        written.append(Dump(name, "text/turtle", graph, len(part.turtle)))
    (folder.parent / INDEX).write_text(json.dumps(index), encoding="utf-8")
    return written


def read_parts(build: Path, base_iri: str) -> dict[str, GraphParts]:
    """Each graph's compressed dumps in a served build (empty when it has no index)."""
    try:
        index = json.loads((build / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    graphs = index["graphs"]
    slices = {}
    for name, _ in ALL:
        data = (build / "dumps" / name).read_bytes()
        starts = index[name] + [len(data)]
        slices[name] = [data[a:b] for a, b in zip(starts, starts[1:])]
    json_ld = [member for member in slices["catalogue.jsonld.gz"][1:-1] if member != SEPARATOR]
    return {g: GraphParts(slices["catalogue.nq.gz"][i], json_ld[i],
                          (build / "dumps" / f"{dump_name(g, base_iri)}.ttl.gz").read_bytes())
            for i, g in enumerate(graphs)}


def _n_quads_members(parts: list[GraphParts]) -> list[bytes]:
    return [part.n_quads for part in parts]


def _json_ld_members(parts: list[GraphParts]) -> list[bytes]:
    members = [OPEN]
    for number, part in enumerate(parts):
        members += [SEPARATOR, part.json_ld] if number else [part.json_ld]
    return members + [CLOSE]


def _write_members(path: Path, members: list[bytes]) -> list[int]:
    """Write the members one after the other; the offset where each starts."""
    offsets, at = [], 0
    with open(path, "wb") as out:
        for member in members:
            offsets.append(at)
            out.write(member)
            at += len(member)
    return offsets
