"""The store interface the rest of the code uses, and its embedded pyoxigraph implementation.

Callers only query, load and list graphs; a remote SPARQL 1.1 store can implement the same
methods. Terms are pyoxigraph terms (NamedNode, Literal, BlankNode) whatever the backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Protocol

import pyoxigraph as ox

from isoko.namespaces import PREFIXES

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
Row = dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]


def sparql_string(text: str) -> str:
    """`text` as a quoted SPARQL (and Turtle) string: a JSON string is one, escapes included."""
    return json.dumps(str(text), ensure_ascii=False)


class QueryError(ValueError):
    """The query is malformed or cannot be evaluated; the message is the parser's."""


class StoreUnavailable(Exception):
    """The store cannot answer now (a remote server down, unreachable or failing): retry later.

    Deliberately not an OSError/RuntimeError/ValueError, which query handlers report as the query's
    fault: this one reaches the app, which answers 503."""


class QueryResult(Protocol):
    """What `Store.run` returns, whatever the backend: its form and its serialisations."""

    form: str  # "bindings" | "boolean" | "graph"

    @property
    def media_types(self) -> list[str]: ...
    def serialize(self, media_type: str) -> bytes: ...


class Store(Protocol):
    def select(self, query: str) -> list[Row]: ...
    def ask(self, query: str) -> bool: ...
    def construct(self, query: str) -> list[ox.Triple]: ...
    def run(self, query: str, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> QueryResult: ...
    def load(self, quads: Iterable[ox.Quad]) -> None: ...
    def graphs(self) -> list[str]: ...


class Result:
    """A pyoxigraph query result of any form, serialisable in the formats the SPARQL protocol offers."""

    def __init__(self, raw):
        self.raw = raw
        self.form = ("graph" if isinstance(raw, ox.QueryTriples)
                     else "boolean" if isinstance(raw, ox.QueryBoolean) else "bindings")

    @property
    def media_types(self) -> list[str]:
        return list(GRAPH_FORMATS if self.form == "graph" else RESULT_FORMATS)

    def serialize(self, media_type: str) -> bytes:
        if self.form == "graph":
            fmt = GRAPH_FORMATS[media_type]
            prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
            return ox.serialize(self.raw, format=fmt, prefixes=prefixes)
        return self.raw.serialize(format=RESULT_FORMATS[media_type])


class OxigraphStore:
    """pyoxigraph on disk (or in memory when path is None); the default graph is the union."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False):
        self.path = str(path) if path is not None else None
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(path))
        else:
            self._store = ox.Store(str(path))

    def _query(self, query: str, **options):
        try:
            return self._store.query(query, use_default_graph_as_union=not options.get("default_graph"),
                                     **options)
        except SyntaxError as err:
            raise QueryError(str(err)) from None

    def select(self, query: str) -> list[Row]:
        solutions = self._query(query)
        names = [v.value for v in solutions.variables]
        # Iterating a solution converts each term once (s[n] converts at every subscript).
        return [{n: term for n, term in zip(names, solution) if term is not None} for solution in solutions]

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> list[ox.Triple]:
        return list(self._query(query))

    def run(self, query: str, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> Result:
        options = {}
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return Result(self._query(query, **options))

    def update(self, update: str) -> None:
        self._store.update(update)

    def load(self, quads: Iterable[ox.Quad]) -> None:
        self._store.bulk_extend(quads)

    def quads(self) -> Iterable[ox.Quad]:
        return iter(self._store)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def dump(self, output, fmt: ox.RdfFormat, graph: str | None = None,
             prefixes: dict[str, str] | None = None) -> None:
        if graph is None:
            self._store.dump(output, format=fmt, prefixes=prefixes)
        else:
            self._store.dump(output, format=fmt, from_graph=ox.NamedNode(graph), prefixes=prefixes)

    def __len__(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        self._store.flush()
