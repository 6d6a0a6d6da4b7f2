"""Institutions at a glance (queries: procedures-and-documents-per-institution.rq, fees-by-institution.rq):
per competent institution, its procedures, the documents they require and issue, and in each currency
the number of procedures with a fee and the lowest and highest fee (amounts never converted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sparql_endpoint.store import Store

from .common import plain_number, query_text, select
from .graph import PREFERRED_CURRENCY

ACTIVITY_QUERY = "procedures-and-documents-per-institution"
FEES_QUERY = "fees-by-institution"
COUNTS = ("procedures", "documents_required", "documents_issued")


@dataclass
class FeeRange:
    procedures: int  # procedures of the institution with a fee in this currency
    lowest: float
    highest: float


@dataclass
class InstitutionFigures:
    institution: str
    procedures: int
    documents_required: int
    documents_issued: int
    fees: dict[str, FeeRange] = field(default_factory=dict)  # currency -> range


def institution_figures(store: Store) -> list[InstitutionFigures]:
    """Every competent institution's figures, most procedures first (then by IRI)."""
    found = {r["institution"]: InstitutionFigures(r["institution"], *(int(r[c]) for c in COUNTS))
             for r in select(store, query_text(ACTIVITY_QUERY))}
    for row in select(store, query_text(FEES_QUERY)):
        if row["institution"] in found:
            found[row["institution"]].fees[row["currency"]] = FeeRange(
                int(row["procedures"]), float(row["lowest"]), float(row["highest"]))
    return sorted(found.values(), key=lambda f: (-f.procedures, f.institution))


def currencies(figures: list[InstitutionFigures]) -> list[str]:
    """The currencies of the fees, Burundi francs first."""
    return sorted({c for f in figures for c in f.fees}, key=lambda c: (c != PREFERRED_CURRENCY, c))


def csv_table(figures: list[InstitutionFigures], title: Callable[[str], str]) -> tuple[list[str], list[list]]:
    """The header and rows of the CSV download (three fee columns per currency); `title` names an IRI."""
    found = currencies(figures)
    header = ["institution", "name", *COUNTS,
              *[f"fee_{c}_{column}" for c in found for column in ("procedures", "lowest", "highest")]]
    rows = []
    for f in figures:
        fees = []
        for currency in found:
            fee = f.fees.get(currency)
            fees += [fee.procedures, plain_number(fee.lowest), plain_number(fee.highest)] if fee else ["", "", ""]
        rows.append([f.institution, title(f.institution), f.procedures, f.documents_required, f.documents_issued,
                     *fees])
    return header, rows
