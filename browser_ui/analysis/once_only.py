"""The once-only report (query: once-only.rq): documents a citizen obtains from one institution and
carries to another, the candidates for direct data exchange between administrations; the most
carried first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sparql_endpoint.store import Store

from .common import Rows, query_text, select

ONCE_ONLY_QUERY = "once-only"
CSV_HEADER = ["document", "document_title", "procedures", "issuing_institutions", "requiring_institutions",
              "requiring_institution_count", "procedure_list"]


@dataclass
class Carried:
    document: str
    procedures: list[str]  # procedures that require it from an institution that does not issue it
    issuers: list[str]
    requirers: list[str]


def once_only(rows: Rows) -> list[Carried]:
    """The carried documents of the query's rows: most procedures first, then most requirers."""
    found = [Carried(r["document"], sorted(r["procedure_list"].split()), sorted(r["issuers"].split()),
                     sorted(r["requirers"].split())) for r in rows]
    return sorted(found, key=lambda c: (-len(c.procedures), -len(c.requirers), c.document))


def carried_documents(store: Store) -> list[Carried]:
    """The once-only report of the catalogue in the store."""
    return once_only(select(store, query_text(ONCE_ONLY_QUERY)))


def csv_rows(carried: list[Carried], title: Callable[[str], str]) -> list[list]:
    """The rows of the report's CSV download (columns CSV_HEADER); `title` names an IRI."""
    return [[c.document, title(c.document), len(c.procedures), " ".join(c.issuers), " ".join(c.requirers),
             len(c.requirers), " ".join(c.procedures)] for c in carried]
