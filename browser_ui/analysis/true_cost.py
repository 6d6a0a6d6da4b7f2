"""The true cost and time of a procedure: its fees and those of every procedure it depends on, and the
time along its longest chain (query: true-cost-and-time.rq, over the prerequisite tree).

- A document issued by several procedures: they are alternatives and one is counted: not one
  that waits on this chain (a cycle); preferably one already counted for another document (the
  document comes with it); else the one with the lowest counted tariff (BIF first; a stated fee
  before an unknown one); then by identifier. The others are listed as not counted.
- Every required document is counted as needed: the catalogue does not say when two documents
  replace each other (identity card or passport), so chains of procedures serving several kinds
  of applicant can be overstated.
- A prerequisite reachable twice is counted once. Documents that no catalogued procedure issues
  are listed and cost nothing in the sums.
- The time is the longest chain: a procedure's own time plus the longest of the chains of the
  documents it requires (documents are gathered in parallel, chains one after the other).
- "At least": a counted procedure without a fee (or time) counts 0 and the sum is a lower bound;
  those procedures are listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from sparql_endpoint.store import Store

from .common import chain_text, local_names, plain_number, procedures, query_text, replace_once, select, with_roots
from .graph import PREFERRED_CURRENCY, Graph, Tariff, graph_from_rows, tariff_key
from .prerequisites import ProcedureNode, Tree, chain_of, prerequisite_tree, requirement_rows

COST_QUERY = "true-cost-and-time"
Costed = tuple[str, Tree, "TrueCost"]  # (procedure, its tree, its true cost)


def with_chain(query: str, procedures: list[str]) -> str:
    """true-cost-and-time.rq for a chain already known: its subquery that walks the chain becomes
    `VALUES ?procedure { ... }` (the same rows; pyoxigraph joins that subquery with every procedure
    of the catalogue: 15 ms for a chain of one at a million triples, against 0.3 ms)."""
    values = "VALUES ?procedure { " + " ".join(f"<{p}>" for p in procedures) + " }"
    return replace_once(r"\{\s*SELECT DISTINCT \?procedure WHERE \{.*?\}\s*\}", values, query)


def procedure_graph(store: Store, procedure: str) -> Graph:
    """The graph of one procedure's chain: its tree rows, then the facts of the procedures in them."""
    tree_rows = requirement_rows(store, [procedure])
    costs = query_text(COST_QUERY)
    try:
        costs = with_chain(costs, chain_of(tree_rows, procedure))
    except ValueError:  # the documented query changed shape: run it as it is
        costs = with_roots(costs, [procedure])
    return graph_from_rows(tree_rows, select(store, costs))


def catalogue_graph(store: Store, roots: list[str]) -> Graph:
    """The graph of the chains of all these procedures (both queries with these roots)."""
    return graph_from_rows(requirement_rows(store, roots), select(store, with_roots(query_text(COST_QUERY), roots)))


@dataclass
class Alternative:
    document: str
    counted: str
    not_counted: list[str]


@dataclass
class TrueCost:
    totals: dict[str, float]  # currency -> sum of counted tariffs (never converted)
    missing_fee: list[str]  # counted procedures without a fee: the totals are "at least"
    days: float  # the longest chain, in days
    missing_time: list[str]  # counted procedures without a time: the days are "at least"
    chain: list[str]  # the procedures along the longest chain in time
    counted: list[str]  # every procedure counted, the root first
    several_tariffs: list[tuple[str, Tariff, int]]  # (procedure, counted tariff, number of tariffs)
    alternatives: list[Alternative]
    cycle_only: list[str]  # documents only issued by procedures already on the chain (a cycle: not counted again)
    uncatalogued: list[str]  # documents no catalogued procedure issues

    @property
    def cost_at_least(self) -> bool:
        return bool(self.missing_fee)

    @property
    def time_at_least(self) -> bool:
        return bool(self.missing_time)


def true_cost(graph: Graph, tree: Tree) -> TrueCost:
    """The cost and time of the tree's root by the rules above (sets each document's `counted`)."""
    counted: dict[str, None] = {}
    alternatives: dict[tuple[str, str], Alternative] = {}
    cycle_only: dict[str, None] = {}
    uncatalogued: dict[str, None] = {}

    def fee_key(procedure: str) -> tuple:
        tariff = graph.fact(procedure).tariff
        return (1,) if tariff is None else (0, *tariff_key(tariff)[:3])

    def visit(node: ProcedureNode) -> None:
        counted.setdefault(node.iri)
        candidates = {id(d): [i for i in d.issuers if not i.cycle and not i.truncated] for d in node.documents}
        # documents with a single possible issuer first: their issuers are needed whatever the choices
        for document in sorted(node.documents, key=lambda d: (len(candidates[id(d)]) > 1, d.iri)):
            possible = candidates[id(document)]
            if not document.issuers:
                uncatalogued.setdefault(document.iri)
                continue
            if not possible:
                cycle_only.setdefault(document.iri)
                continue
            chosen = min(possible, key=lambda i: (i.iri not in counted, fee_key(i.iri), i.iri))
            document.counted = chosen.iri
            if len(possible) > 1:
                alternatives.setdefault((document.iri, chosen.iri), Alternative(
                    document.iri, chosen.iri, sorted({i.iri for i in possible} - {chosen.iri})))
            visit(chosen)

    def chain(node: ProcedureNode) -> tuple[float, list[str]]:
        """The longest chain in days from this node (on equal days, the one with more steps, so that
        a procedure without a stated time shows on the chain it may lengthen)."""
        best: tuple[float, list[str]] = (0.0, [])
        for document in node.documents:
            for issuer in document.issuers:
                if issuer.iri == document.counted and not issuer.cycle:
                    found = chain(issuer)
                    if (found[0], len(found[1])) > (best[0], len(best[1])):
                        best = found
        return (graph.fact(node.iri).days or 0.0) + best[0], [node.iri, *best[1]]

    visit(tree.root)
    totals: dict[str, float] = defaultdict(float)
    several = []
    for procedure in counted:
        facts = graph.fact(procedure)
        if facts.tariff is not None:
            totals[facts.tariff.currency] += facts.tariff.amount
        if len(facts.tariffs) > 1:
            several.append((procedure, facts.tariff, len(facts.tariffs)))
    days, path = chain(tree.root)
    return TrueCost(
        totals=dict(sorted(totals.items(), key=lambda kv: (kv[0] != PREFERRED_CURRENCY, kv[0]))),
        missing_fee=[p for p in counted if graph.fact(p).tariff is None],
        days=days,
        missing_time=[p for p in counted if graph.fact(p).days is None],
        chain=path, counted=list(counted), several_tariffs=several,
        alternatives=list(alternatives.values()), cycle_only=list(cycle_only), uncatalogued=list(uncatalogued))


def of_procedure(store: Store, procedure: str) -> tuple[Graph, Tree, TrueCost]:
    """One procedure's graph, prerequisite tree and true cost."""
    graph = procedure_graph(store, procedure)
    tree = prerequisite_tree(graph, procedure)
    return graph, tree, true_cost(graph, tree)


def catalogue_costs(store: Store) -> list[Costed]:
    """Every procedure that requires a document a catalogued procedure issues, with its tree and
    true cost: the longest chains first, then the most procedures counted, then by IRI."""
    every = procedures(store)
    graph = catalogue_graph(store, every)
    results = []
    for procedure in every:
        if not any(graph.issuers.get(d) for d in graph.inputs.get(procedure, [])):
            continue  # nothing it requires comes from a catalogued procedure
        tree = prerequisite_tree(graph, procedure)
        results.append((procedure, tree, true_cost(graph, tree)))
    results.sort(key=lambda r: (-r[1].depth, -len(r[2].counted), r[0]))
    return results


def csv_table(results: list[Costed], title: Callable[[str], str]) -> tuple[list[str], list[list]]:
    """The header and rows of the costs CSV download (a fee column per currency); `title` names an IRI."""
    currencies = sorted({c for _, _, cost in results for c in cost.totals}, key=lambda c: (c != PREFERRED_CURRENCY, c))
    header = ["procedure", "title", "chain_steps", "longest_chain", "procedures_counted",
              *[f"fee_{c}" for c in currencies], "fee_at_least", "procedures_without_fee", "days",
              "days_at_least", "procedures_without_time", "cycles"]
    rows = [[p, title(p), t.depth, chain_text(t.longest), len(c.counted),
             *[plain_number(c.totals[k]) if k in c.totals else "" for k in currencies],
             "yes" if c.cost_at_least else "", local_names(c.missing_fee),
             plain_number(c.days), "yes" if c.time_at_least else "", local_names(c.missing_time),
             " | ".join(chain_text(loop) for loop in t.cycles)]
            for p, t, c in results]
    return header, rows
