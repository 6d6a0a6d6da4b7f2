"""What the prerequisite tree and the true cost need of the catalogue: which documents a procedure
requires, which procedures issue a document, and each procedure's institutions, tariffs and times,
assembled from the rows of prerequisite-tree.rq and true-cost-and-time.rq (any roots).

Fees of one procedure: several tariffs are alternatives (by category, place, urgency): the lowest is
counted, in Burundi francs when the procedure states a BIF tariff, else in the first currency in
alphabetical order. Amounts are never converted between currencies. A procedure with several times
counts the shortest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .common import Rows, duration_days

PREFERRED_CURRENCY = "BIF"


@dataclass(frozen=True)
class Tariff:
    amount: float
    currency: str
    fee: str = ""


def tariff_key(tariff: Tariff) -> tuple:
    """The order in which tariffs are preferred: BIF first, then by currency, amount, fee node."""
    return (tariff.currency != PREFERRED_CURRENCY, tariff.currency, tariff.amount, tariff.fee)


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


def graph_from_rows(tree_rows: Rows, cost_rows: Rows) -> Graph:
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
