"""The analyst workbench's computations: pure functions over the rows of the documented queries.

Every number comes from the graph through the example queries of sparql_endpoint/queries/ (run
with `store.select`, so any store gives the same rows); this module only assembles trees, chooses
between alternatives by the rules below and sums. The rules, also shown on /analysis:

- Prerequisite tree: a procedure's required documents (cpsv:hasInput), for each the procedures
  that issue it (cpsv:produces) and their institutions, recursively. A procedure already on the
  path from the root is a cycle: it is marked and not expanded again, so a tree is always finite
  (and never larger than MAX_NODES procedure nodes; beyond, nodes are marked truncated).
- Fees of one procedure: several tariffs are alternatives (by category, place, urgency): the
  lowest is counted, in Burundi francs when the procedure states a BIF tariff, else in the first
  currency in alphabetical order. Amounts are never converted between currencies.
- A document issued by several procedures: they are alternatives and one is counted: not one
  that waits on this chain (a cycle); preferably one already counted for another document (the
  document comes with it); else the one with the lowest counted tariff (BIF first; a stated fee
  before an unknown one); then by identifier. The others are listed as not counted.
- Every required document is counted as needed: the catalogue does not say when two documents
  replace each other (identity card or passport), so chains of procedures serving several kinds
  of applicant can be overstated.
- A prerequisite reachable twice is counted once. Documents that no catalogued procedure issues
  are listed and cost nothing in the sums.
- Durations in days: a day = 1, a week = 7, a month = 30, a year = 365, an hour = 1/24 day (a
  minute 1/1440, a second 1/86400). A procedure with several times counts the shortest. The
  time is the longest chain: a procedure's own time plus the longest of the chains of the
  documents it requires (documents are gathered in parallel, chains one after the other).
- "At least": a counted procedure without a fee (or time) counts 0 and the sum is a lower bound;
  those procedures are listed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sparql_endpoint.examples import QUERIES

PREFERRED_CURRENCY = "BIF"
MAX_NODES = 2000
DAYS = {"Y": 365.0, "MO": 30.0, "W": 7.0, "D": 1.0, "H": 1 / 24, "MI": 1 / 1440, "S": 1 / 86400}
DURATION = re.compile(r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<MO>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
                      r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<MI>\d+(?:\.\d+)?)M)?"
                      r"(?:(?P<S>\d+(?:\.\d+)?)S)?)?$")
FACTS = ("fee", "time", "legal_basis", "office", "title_fr", "title_en", "title_rn", "recently_checked")

# The documented queries the pages run (sparql_endpoint/queries/<name>.rq).
TREE_QUERY = "prerequisite-tree"
COST_QUERY = "true-cost-and-time"
MAP_QUERY = "dependency-map"
ONCE_ONLY_QUERY = "once-only"
COMPLETENESS_QUERY = "procedure-completeness"
QUALITY_QUERY = "data-quality-by-institution"


# --- the queries -------------------------------------------------------------------------------

def query_text(name: str, folder: Path = QUERIES) -> str:
    return (folder / f"{name}.rq").read_text(encoding="utf-8")


def _replace_once(pattern: str, replacement: str, query: str) -> str:
    changed, count = re.subn(pattern, lambda _: replacement, query, count=1, flags=re.DOTALL)
    if count != 1:
        raise ValueError(f"the query has no {pattern!r} to set")
    return changed


def with_roots(query: str, roots: list[str]) -> str:
    """The query with its `VALUES ?root { ... }` set to these procedures."""
    return _replace_once(r"VALUES \?root \{[^}]*\}", "VALUES ?root { " + " ".join(f"<{r}>" for r in roots) + " }",
                         query)


def chain_of(tree_rows: list[dict[str, str]], root: str) -> list[str]:
    """The procedures `root` depends on, itself included, from its prerequisite-tree.rq rows: every
    procedure reached has a row as requirer or as issuer."""
    return sorted({root} | {r["procedure"] for r in tree_rows} | {r["issuer"] for r in tree_rows if "issuer" in r})


def with_chain(query: str, procedures: list[str]) -> str:
    """true-cost-and-time.rq for a chain already known: its subquery that walks the chain becomes
    `VALUES ?procedure { ... }` (the same rows; pyoxigraph joins that subquery with every procedure
    of the catalogue: 15 ms for a chain of one at a million triples, against 0.3 ms)."""
    values = "VALUES ?procedure { " + " ".join(f"<{p}>" for p in procedures) + " }"
    return _replace_once(r"\{\s*SELECT DISTINCT \?procedure WHERE \{.*?\}\s*\}", values, query)


def with_level(query: str, level: str) -> str:
    """The dependency-map query at "institution" or "top" level."""
    if level not in ("institution", "top"):
        raise ValueError(level)
    return _replace_once(r'VALUES \?level \{[^}]*\}', f'VALUES ?level {{ "{level}" }}', query)


def with_since(query: str, since: date) -> str:
    """The completeness queries with "checked in the last 12 months" counted from `since`."""
    return _replace_once(r"BIND\(.*AS \?since\)", f'BIND("{since.isoformat()}"^^xsd:date AS ?since)', query)


def year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def plain(rows: list[dict]) -> list[dict[str, str]]:
    """Query rows (pyoxigraph terms) as {variable: lexical value}; unbound variables are absent."""
    return [{name: term.value for name, term in row.items()} for row in rows]


# --- facts of procedures -----------------------------------------------------------------------

@dataclass(frozen=True)
class Tariff:
    amount: float
    currency: str
    fee: str = ""


def tariff_key(tariff: Tariff) -> tuple:
    return (tariff.currency != PREFERRED_CURRENCY, tariff.currency, tariff.amount, tariff.fee)


def duration_days(value: str) -> float | None:
    """An ISO 8601 duration in days (month = 30, year = 365, hour = 1/24); None when unreadable."""
    match = DURATION.match(value or "")
    if not match or not any(match.groupdict().values()):
        return None
    return sum(float(n) * DAYS[unit] for unit, n in match.groupdict().items() if n)


@dataclass
class Facts:
    iri: str
    institutions: set[str] = field(default_factory=set)
    tariffs: dict[str, Tariff] = field(default_factory=dict)  # by fee node IRI
    durations: set[str] = field(default_factory=set)

    @property
    def tariff(self) -> Tariff | None:
        """The counted tariff: the lowest, in BIF when there is one (else the first currency)."""
        return min(self.tariffs.values(), key=tariff_key) if self.tariffs else None

    @property
    def days(self) -> float | None:
        readable = [d for d in (duration_days(v) for v in self.durations) if d is not None]
        return min(readable) if readable else None


@dataclass
class Graph:
    """What the tree and cost computations need of the catalogue."""
    inputs: dict[str, list[str]] = field(default_factory=dict)  # procedure -> required documents
    issuers: dict[str, list[str]] = field(default_factory=dict)  # document -> issuing procedures
    facts: dict[str, Facts] = field(default_factory=dict)

    def fact(self, procedure: str) -> Facts:
        return self.facts.setdefault(procedure, Facts(procedure))


def graph_from_rows(tree_rows: list[dict[str, str]], cost_rows: list[dict[str, str]]) -> Graph:
    """A Graph from the rows of prerequisite-tree.rq and true-cost-and-time.rq (any roots)."""
    graph = Graph()
    inputs: dict[str, set[str]] = defaultdict(set)
    issuers: dict[str, set[str]] = defaultdict(set)
    for row in tree_rows:
        inputs[row["procedure"]].add(row["document"])
        issuers.setdefault(row["document"], set())
        if "issuer" in row:
            issuers[row["document"]].add(row["issuer"])
            if "institution" in row:
                graph.fact(row["issuer"]).institutions.add(row["institution"])
    for row in cost_rows:
        facts = graph.fact(row["procedure"])
        if "institution" in row:
            facts.institutions.add(row["institution"])
        if "fee" in row and "amount" in row and "currency" in row:
            facts.tariffs[row["fee"]] = Tariff(float(row["amount"]), row["currency"], row["fee"])
        if "time" in row:
            facts.durations.add(row["time"])
    graph.inputs = {p: sorted(d) for p, d in inputs.items()}
    graph.issuers = {d: sorted(p) for d, p in issuers.items()}
    return graph


# --- the prerequisite tree ---------------------------------------------------------------------

@dataclass
class ProcedureNode:
    iri: str
    depth: int  # 0 for the procedure asked about, 1 for those issuing its documents, ...
    institutions: list[str]
    documents: list["DocumentNode"] = field(default_factory=list)
    cycle: bool = False  # already on the path from the root: not expanded again
    truncated: bool = False  # beyond MAX_NODES: not expanded
    repeated: bool = False  # expanded earlier in the tree (pages show it once; computations see every copy)

    def walk(self):
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


# --- true cost and time ------------------------------------------------------------------------

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


# --- the cross-ministry dependency map ---------------------------------------------------------

@dataclass
class Edge:
    issuer: str
    requirer: str
    procedures: list[str]  # the requirer's procedures that need a document the issuer issues
    documents: list[str]

    @property
    def weight(self) -> int:
        return len(self.procedures)


def dependency_edges(rows: list[dict[str, str]]) -> list[Edge]:
    edges = [Edge(r["issuer"], r["requirer"], sorted(r["procedure_list"].split()), sorted(r["document_list"].split()))
             for r in rows]
    return sorted(edges, key=lambda e: (-e.weight, e.issuer, e.requirer))


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


# --- the once-only report ----------------------------------------------------------------------

@dataclass
class Carried:
    document: str
    procedures: list[str]  # procedures that require it from an institution that does not issue it
    issuers: list[str]
    requirers: list[str]


def once_only(rows: list[dict[str, str]]) -> list[Carried]:
    found = [Carried(r["document"], sorted(r["procedure_list"].split()), sorted(r["issuers"].split()),
                     sorted(r["requirers"].split())) for r in rows]
    return sorted(found, key=lambda c: (-len(c.procedures), -len(c.requirers), c.document))


# --- the data-quality dashboard ----------------------------------------------------------------

@dataclass
class InstitutionQuality:
    institution: str
    procedures: list[str]
    missing: dict[str, list[str]]  # fact -> procedures of the institution that lack it
    warnings: int = 0

    def present(self, fact: str) -> int:
        return len(self.procedures) - len(self.missing[fact])

    def percent(self, fact: str) -> float:
        return 100.0 * self.present(fact) / len(self.procedures)

    @property
    def score(self) -> float:
        """The mean of the eight percentages (the share of facts stated)."""
        return sum(self.percent(f) for f in FACTS) / len(FACTS)


def quality_table(rows: list[dict[str, str]], warnings: list[dict] | None = None) -> list[InstitutionQuality]:
    """Per institution, from the rows of procedure-completeness.rq, and the build's warnings."""
    table: dict[str, InstitutionQuality] = {}
    for row in rows:
        entry = table.setdefault(row["institution"], InstitutionQuality(row["institution"], [],
                                                                        {f: [] for f in FACTS}))
        if row["procedure"] in entry.procedures:
            continue
        entry.procedures.append(row["procedure"])
        for fact in FACTS:
            if row.get(fact) != "true":
                entry.missing[fact].append(row["procedure"])
    authorities: dict[str, list[str]] = defaultdict(list)
    for entry in table.values():
        for procedure in entry.procedures:
            authorities[procedure].append(entry.institution)
    for warning in warnings or []:
        for institution in authorities.get(warning["focus"], []):
            table[institution].warnings += 1
    return sort_quality(list(table.values()), "score", "asc")


SORT_COLUMNS = ("institution", "procedures", *FACTS, "warnings", "score")


def sort_quality(table: list[InstitutionQuality], column: str, order: str,
                 names: dict[str, str] | None = None) -> list[InstitutionQuality]:
    """Sorted by a column (ties: more procedures first, then name); unknown columns sort by score."""
    names = names or {}
    column = column if column in SORT_COLUMNS else "score"
    reverse = order == "desc"

    def key(entry: InstitutionQuality):
        if column == "institution":
            value = names.get(entry.institution, entry.institution).casefold()
        elif column == "procedures":
            value = len(entry.procedures)
        elif column == "warnings":
            value = entry.warnings
        elif column == "score":
            value = round(entry.score, 9)
        else:
            value = round(entry.percent(column), 9)
        return value

    tie = sorted(table, key=lambda e: (-len(e.procedures), names.get(e.institution, e.institution).casefold()))
    return sorted(tie, key=key, reverse=reverse)
