"""The prerequisite tree of a procedure (query: prerequisite-tree.rq).

A procedure's required documents (cpsv:hasInput), for each the procedures that issue it
(cpsv:produces) and their institutions, recursively. A procedure already on the path from the root
is a cycle: it is marked and not expanded again, so a tree is always finite (and never larger than
MAX_NODES procedure nodes; beyond, nodes are marked truncated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from sparql_endpoint.store import Store

from .common import Rows, chain_text, query_text, select, with_roots, without_order_by
from .graph import Graph

TREE_QUERY = "prerequisite-tree"
TREE_ORDER = ("root", "procedure", "document", "issuer", "institution")  # unbound first, as in SPARQL
TREE_ORDER_BY = r"\s*ORDER BY \?root \?procedure \?document \?issuer \?institution\s*$"
MAX_NODES = 2000
CSV_HEADER = ["depth", "path", "procedure", "procedure_title", "document", "document_title", "issuing_procedure",
              "issuing_procedure_title", "issuing_institutions", "cycle", "counted"]


def requirement_rows(store: Store, roots: list[str]) -> Rows:
    """The rows of prerequisite-tree.rq for these procedures, in its order. They are sorted here:
    with its ORDER BY, pyoxigraph evaluates the query eagerly in a slower plan (1.98 against 0.86 ms
    of CPU for a procedure's 38 rows at 1M, benchmarks/README.md), a tenth of a procedure page's
    first render. The ORDER BY names every variable, so the order is the same."""
    query = with_roots(query_text(TREE_QUERY), roots)
    unordered = without_order_by(TREE_ORDER_BY, query)
    if unordered is None:
        return select(store, query)
    return sorted(select(store, unordered), key=lambda row: tuple(row.get(name, "") for name in TREE_ORDER))


def chain_of(tree_rows: Rows, root: str) -> list[str]:
    """The procedures `root` depends on, itself included, from its prerequisite-tree.rq rows: every
    procedure reached has a row as requirer or as issuer."""
    return sorted({root} | {r["procedure"] for r in tree_rows} | {r["issuer"] for r in tree_rows if "issuer" in r})


@dataclass
class ProcedureNode:
    iri: str
    depth: int  # 0 for the procedure asked about, 1 for those issuing its documents, ...
    institutions: list[str]
    documents: list["DocumentNode"] = field(default_factory=list)
    cycle: bool = False  # already on the path from the root: not expanded again
    truncated: bool = False  # beyond MAX_NODES: not expanded
    repeated: bool = False  # expanded earlier in the tree (pages show it once; computations see every copy)

    def walk(self) -> Iterator["ProcedureNode"]:
        yield self
        for document in self.documents:
            for issuer in document.issuers:
                yield from issuer.walk()


@dataclass
class DocumentNode:
    iri: str
    issuers: list[ProcedureNode] = field(default_factory=list)  # empty: no catalogued procedure issues it
    counted: str | None = None  # the issuer counted for cost and time (set by true_cost)


@dataclass
class Tree:
    root: ProcedureNode
    cycles: list[tuple[str, ...]]  # each: the procedures from the one met again back to it
    depth: int  # the longest chain, in steps from the root
    longest: tuple[str, ...]  # the procedures along that chain
    size: int  # procedure nodes
    truncated: bool

    @property
    def procedures(self) -> list[str]:
        """The distinct procedures of the tree, in the order met (the root first)."""
        return list(dict.fromkeys(node.iri for node in self.root.walk()))


def prerequisite_tree(graph: Graph, root: str, max_nodes: int = MAX_NODES) -> Tree:
    """The tree of `root` in the graph: cycles marked, at most `max_nodes` procedure nodes expanded."""
    cycles: dict[frozenset, tuple[str, ...]] = {}
    expanded: set[str] = set()
    count = 0
    truncated = False

    def expand(procedure: str, path: tuple[str, ...]) -> ProcedureNode:
        nonlocal count, truncated
        count += 1
        node = ProcedureNode(procedure, len(path), sorted(graph.fact(procedure).institutions))
        if procedure in path:
            node.cycle = True
            loop = path[path.index(procedure):] + (procedure,)
            cycles.setdefault(frozenset(zip(loop, loop[1:])), loop)
            return node
        if count > max_nodes:
            node.truncated = truncated = True
            return node
        node.repeated = procedure in expanded
        expanded.add(procedure)
        for document in graph.inputs.get(procedure, []):
            node.documents.append(DocumentNode(document, [expand(issuer, path + (procedure,))
                                                          for issuer in graph.issuers.get(document, [])]))
        return node

    top = expand(root, ())
    longest: tuple[str, ...] = ()
    stack = [(top, (top.iri,))]
    while stack:
        node, chain = stack.pop()
        if len(chain) > len(longest) or (len(chain) == len(longest) and chain < longest):
            longest = chain
        for document in reversed(node.documents):
            for issuer in reversed(document.issuers):
                if not issuer.cycle:
                    stack.append((issuer, chain + (issuer.iri,)))
    return Tree(top, list(cycles.values()), len(longest) - 1, longest, count, truncated)


def tree_rows(tree: Tree) -> list[dict]:
    """The tree as flat rows (one per document and issuer), in the order of the tree."""
    rows = []

    def walk(node: ProcedureNode, path: tuple[str, ...]) -> None:
        for document in node.documents:
            for issuer in document.issuers or [None]:
                rows.append({"depth": node.depth + 1, "path": path + (node.iri,), "procedure": node.iri,
                             "document": document.iri, "issuer": issuer.iri if issuer else "",
                             "institutions": issuer.institutions if issuer else [],
                             "cycle": bool(issuer and issuer.cycle),
                             "counted": bool(issuer and document.counted == issuer.iri)})
                if issuer and not issuer.cycle:
                    walk(issuer, path + (node.iri,))

    walk(tree.root, ())
    return rows


def csv_rows(tree: Tree, title: Callable[[str], str]) -> list[list]:
    """The rows of the tree's CSV download (columns CSV_HEADER); `title` names an IRI."""
    return [[r["depth"], chain_text(r["path"]), r["procedure"], title(r["procedure"]), r["document"],
             title(r["document"]), r["issuer"], title(r["issuer"]) if r["issuer"] else "",
             " ".join(r["institutions"]), "yes" if r["cycle"] else "", "yes" if r["counted"] else ""]
            for r in tree_rows(tree)]
