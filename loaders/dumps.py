"""Dumps written by each build: N-Quads of everything, JSON-LD, and Turtle per named graph (gzip)."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from isoko.namespaces import PREFIXES
from sparql_endpoint.store import OxigraphStore


FORMATS = {"application/n-quads": ox.RdfFormat.N_QUADS, "application/ld+json": ox.RdfFormat.JSON_LD}


@dataclass(frozen=True)
class Dump:
    file: str  # name under dumps/
    media_type: str  # of the uncompressed content
    graph: str | None  # the named graph it holds, None for all
    bytes: int = 0


def dump_name(graph: str, base_iri: str) -> str:
    return graph.removeprefix(base_iri + "graph/").replace("/", "-")


def write_dumps(store: OxigraphStore, folder: Path, base_iri: str, n_quads: bytes | None = None) -> list[Dump]:
    """Write the dumps of `store` (fastest from an in-memory store: each is one native scan);
    `n_quads`, when given, is the store already serialised as N-Quads (written as is)."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = [Dump("catalogue.nq.gz", "application/n-quads", None),
            Dump("catalogue.jsonld.gz", "application/ld+json", None)]
    plan += [Dump(f"{dump_name(g, base_iri)}.ttl.gz", "text/turtle", g) for g in store.graphs()]
    written = []
    for dump in plan:
        path = folder / dump.file
        with gzip.open(path, "wb", compresslevel=6) as out:
            if dump.graph is None and dump.media_type == "application/n-quads" and n_quads is not None:
                out.write(n_quads)
            elif dump.graph is None:
                store.dump(out, FORMATS[dump.media_type])
            else:
                store.dump(out, ox.RdfFormat.TURTLE, graph=dump.graph, prefixes=PREFIXES)
        written.append(Dump(dump.file, dump.media_type, dump.graph, os.path.getsize(path)))
    return written
