"""The cross-ministry dependency map (query: dependency-map.rq): an edge from the institution that
issues a document to the institution whose procedure requires it, weighted by the number of such
procedures, at institution level or rolled up to top-level institutions; and its SVG layout.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from sparql_endpoint.store import Store

from .common import Rows, query_text, replace_once, select, without_order_by

MAP_QUERY = "dependency-map"
LEVELS = ("institution", "top")
MAP_ORDER_BY = r"\s*ORDER BY DESC\(\?procedures\) \?issuer \?requirer\s*$"  # dependency_edges' order
CSV_HEADER = ["issuer", "issuer_name", "requirer", "requirer_name", "procedures", "documents", "procedure_list",
              "document_list"]
SHORT_NAME = 30  # characters of a name shown on the map when an institution has no acronym


def with_level(query: str, level: str) -> str:
    """The dependency-map query at "institution" or "top" level."""
    if level not in LEVELS:
        raise ValueError(level)
    return replace_once(r'VALUES \?level \{\s*"[^"]*"\s*\}', f'VALUES ?level {{ "{level}" }}', query)


@dataclass
class Edge:
    issuer: str
    requirer: str
    procedures: list[str]  # the requirer's procedures that need a document the issuer issues
    documents: list[str]

    @property
    def weight(self) -> int:
        return len(self.procedures)


def dependency_edges(rows: Rows) -> list[Edge]:
    """The edges of the query's rows, heaviest first (then by issuer and requirer)."""
    edges = [Edge(r["issuer"], r["requirer"], sorted(r["procedure_list"].split()), sorted(r["document_list"].split()))
             for r in rows]
    return sorted(edges, key=lambda e: (-e.weight, e.issuer, e.requirer))


def dependency_map(store: Store, level: str = "institution") -> list[Edge]:
    """The edges between institutions ("institution") or between top-level institutions ("top")."""
    query = with_level(query_text(MAP_QUERY), level)
    return dependency_edges(select(store, without_order_by(MAP_ORDER_BY, query) or query))


def short_names(store: Store, iris: set[str], title: Callable[[str], str]) -> dict[str, str]:
    """Acronyms (untagged skos:altLabel) where institutions have one, else their names (`title`)
    cut to SHORT_NAME characters."""
    short: dict[str, str] = {}
    if iris:
        values = " ".join(f"<{i}>" for i in sorted(iris))
        for row in select(store, f"""SELECT ?x ?a WHERE {{ VALUES ?x {{ {values} }}
                ?x <http://www.w3.org/2004/02/skos/core#altLabel> ?a FILTER(LANG(?a) = "") }} ORDER BY ?x ?a"""):
            short.setdefault(row["x"], row["a"])
    for iri in iris:
        if iri not in short:
            name = title(iri)
            short[iri] = name if len(name) <= SHORT_NAME else name[:SHORT_NAME - 1] + "…"
    return short


def csv_rows(edges: list[Edge], title: Callable[[str], str]) -> list[list]:
    """The rows of the map's CSV download (columns CSV_HEADER); `title` names an IRI."""
    return [[e.issuer, title(e.issuer), e.requirer, title(e.requirer), e.weight, len(e.documents),
             " ".join(e.procedures), " ".join(e.documents)] for e in edges]


# --- the SVG layout ----------------------------------------------------------------------------

@dataclass
class Box:
    iri: str
    x: float
    y: float
    weight: int


@dataclass
class Curve:
    edge: Edge
    path: str
    width: float


@dataclass
class MapLayout:
    width: int
    height: int
    issuers: list[Box]
    requirers: list[Box]
    curves: list[Curve]


def map_layout(edges: list[Edge], row_height: int = 24, width: int = 720, margin: int = 230) -> MapLayout:
    """Issuing institutions on the left, requiring ones on the right, an edge per pair (its width
    grows with the number of procedures)."""
    out: dict[str, int] = defaultdict(int)
    into: dict[str, int] = defaultdict(int)
    for edge in edges:
        out[edge.issuer] += edge.weight
        into[edge.requirer] += edge.weight
    left = sorted(out, key=lambda i: (-out[i], i))
    right = sorted(into, key=lambda i: (-into[i], i))
    top = 2 * row_height  # below the column headings
    issuers = [Box(i, margin, top + n * row_height, out[i]) for n, i in enumerate(left)]
    requirers = [Box(i, width - margin, top + n * row_height, into[i]) for n, i in enumerate(right)]
    where_left = {b.iri: b for b in issuers}
    where_right = {b.iri: b for b in requirers}
    curves = []
    for edge in sorted(edges, key=lambda e: e.weight):  # heavy edges drawn last, on top
        a, b = where_left[edge.issuer], where_right[edge.requirer]
        middle = (a.x + b.x) / 2
        curves.append(Curve(edge, f"M{a.x + 6:.0f},{a.y:.0f} C{middle:.0f},{a.y:.0f} {middle:.0f},{b.y:.0f} "
                                  f"{b.x - 10:.0f},{b.y:.0f}", min(1.0 + 1.5 * (edge.weight - 1), 12.0)))
    height = top + max(len(issuers), len(requirers), 1) * row_height
    return MapLayout(width, height, issuers, requirers, curves)


# --- the data of the interactive network -------------------------------------------------------

def network(edges: list[Edge], name: Callable[[str], str]) -> dict:
    """Nodes (every institution of an edge, `name` as label) and weighted edges, for a network drawn in
    the browser (static/network.js); the page's SVG shows the same without JavaScript."""
    iris = sorted({i for e in edges for i in (e.issuer, e.requirer)})
    return {"nodes": [{"id": i, "label": name(i)} for i in iris],
            "edges": [{"source": e.issuer, "target": e.requirer, "weight": e.weight} for e in edges]}
