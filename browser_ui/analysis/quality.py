"""The data-quality dashboard (queries: procedure-completeness.rq for the gaps of every procedure,
data-quality-by-institution.rq for the same percentages aggregated in SPARQL): per institution, the
share of its procedures that state each of eight facts, and the build's quality warnings.

"Checked in the last 12 months" is counted from a given day (a year before it: `year_before`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable

from sparql_endpoint.store import Store

from .common import Rows, query_text, replace_once, select

COMPLETENESS_QUERY = "procedure-completeness"
QUALITY_QUERY = "data-quality-by-institution"
FACTS = ("fee", "time", "legal_basis", "office", "title_fr", "title_en", "title_rn", "recently_checked")
SORT_COLUMNS = ("institution", "procedures", *FACTS, "warnings", "score")
CSV_HEADER = ["institution", "name", "procedures", *[f"{f}_percent" for f in FACTS], "score_percent", "warnings",
              *[f"missing_{f}" for f in FACTS]]


def with_since(query: str, since: date) -> str:
    """The completeness queries with "checked in the last 12 months" counted from `since`."""
    return replace_once(r"BIND\(.*AS \?since\)", f'BIND("{since.isoformat()}"^^xsd:date AS ?since)', query)


def year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def completeness_rows(store: Store, today: date) -> Rows:
    """The rows of procedure-completeness.rq, "recently checked" meaning since a year before `today`."""
    return select(store, with_since(query_text(COMPLETENESS_QUERY), year_before(today)))


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


def quality_table(rows: Rows, warnings: list[dict] | None = None) -> list[InstitutionQuality]:
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


def quality_total(rows: Rows) -> InstitutionQuality:
    """The whole catalogue as one entry: every procedure of the rows, and those lacking each fact."""
    return InstitutionQuality("", sorted({r["procedure"] for r in rows}),
                              {f: sorted({r["procedure"] for r in rows if r.get(f) != "true"}) for f in FACTS})


def sort_quality(table: list[InstitutionQuality], column: str, order: str,
                 names: dict[str, str] | None = None) -> list[InstitutionQuality]:
    """Sorted by a column (ties: more procedures first, then name); unknown columns sort by score."""
    names = names or {}
    column = column if column in SORT_COLUMNS else "score"
    reverse = order == "desc"

    def key(entry: InstitutionQuality) -> str | int | float:
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


def csv_rows(table: list[InstitutionQuality], title: Callable[[str], str], with_warnings: bool) -> list[list]:
    """The rows of the dashboard's CSV download (columns CSV_HEADER); `title` names an IRI; the
    warnings column is empty without the build's quality report."""
    return [[e.institution, title(e.institution), len(e.procedures), *[round(e.percent(f), 1) for f in FACTS],
             round(e.score, 1), e.warnings if with_warnings else "", *[" ".join(e.missing[f]) for f in FACTS]]
            for e in table]
