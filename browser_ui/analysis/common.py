"""What the analyses share: their documented queries by name, the parameters set in them, their rows
on any store as plain strings, durations in days and numbers as the CSV exports write them.

The queries are the endpoint's published example queries, sparql_endpoint/queries/<name>.rq (one
copy, read by sparql_endpoint/examples.py too); each analysis module names the ones it runs.

Durations in days: a day = 1, a week = 7, a month = 30, a year = 365, an hour = 1/24 day (a minute
1/1440, a second 1/86400).
"""

from __future__ import annotations

import re
from pathlib import Path

from typing import Iterable

from sparql_endpoint.examples import QUERIES
from sparql_endpoint.store import Store

from ..labels import local_name

PROCEDURE_TYPE = "http://purl.org/vocab/cpsv#PublicService"
DAYS = {"Y": 365.0, "MO": 30.0, "W": 7.0, "D": 1.0, "H": 1 / 24, "MI": 1 / 1440, "S": 1 / 86400}
DURATION = re.compile(r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<MO>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
                      r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<MI>\d+(?:\.\d+)?)M)?"
                      r"(?:(?P<S>\d+(?:\.\d+)?)S)?)?$")

Rows = list[dict[str, str]]


# --- the queries -------------------------------------------------------------------------------

def query_text(name: str, folder: Path = QUERIES) -> str:
    """The documented query `name` (sparql_endpoint/queries/<name>.rq), as published."""
    return (folder / f"{name}.rq").read_text(encoding="utf-8")


def replace_once(pattern: str, replacement: str, query: str) -> str:
    """The query with the one match of `pattern` replaced; ValueError when it has none."""
    changed, count = re.subn(pattern, lambda _: replacement, query, count=1, flags=re.DOTALL)
    if count != 1:
        raise ValueError(f"the query has no {pattern!r} to set")
    return changed


def without_order_by(order_by: str, query: str) -> str | None:
    """The query without its closing ORDER BY (`order_by`, a pattern), for a caller that sorts the
    rows itself: sorting by IRIs is a large part of what some of these queries cost pyoxigraph on a
    large catalogue (dependency-map at 1M: 3.5-4.1 s with it, 2.5 s without; benchmarks/README.md).
    None when the documented query no longer ends that way (then let the store sort)."""
    try:
        return replace_once(order_by, "\n", query)
    except ValueError:
        return None


def with_roots(query: str, roots: list[str]) -> str:
    """The query with its `VALUES ?root { ... }` set to these procedures."""
    return replace_once(r"VALUES \?root \{[^}]*\}", "VALUES ?root { " + " ".join(f"<{r}>" for r in roots) + " }",
                        query)


def plain(rows: list[dict]) -> Rows:
    """Query rows (pyoxigraph terms) as {variable: lexical value}; unbound variables are absent."""
    return [{name: term.value for name, term in row.items()} for row in rows]


def select(store: Store, query: str) -> Rows:
    """The plain rows of a query on any store (`store.select`: embedded, sidecar or remote)."""
    return plain(store.select(query))


def procedures(store: Store) -> list[str]:
    """Every procedure (cpsv:PublicService) of the catalogue, in the store's order."""
    return [r["p"] for r in select(store, f"SELECT ?p WHERE {{ ?p a <{PROCEDURE_TYPE}> }}")]


def is_procedure(store: Store, iri: str) -> bool:
    return store.ask(f"ASK {{ <{iri}> a <{PROCEDURE_TYPE}> }}")


# --- values ------------------------------------------------------------------------------------

def duration_days(value: str) -> float | None:
    """An ISO 8601 duration in days (month = 30, year = 365, hour = 1/24); None when unreadable."""
    match = DURATION.match(value or "")
    if not match or not any(match.groupdict().values()):
        return None
    return sum(float(n) * DAYS[unit] for unit, n in match.groupdict().items() if n)


def plain_number(value: float) -> str:
    """A number as the CSV exports write it: whole numbers without decimals, else up to four."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")


def chain_text(iris: Iterable[str]) -> str:
    """IRIs as a chain in a CSV cell: "a > b > c" (their local names)."""
    return " > ".join(local_name(i) for i in iris)


def local_names(iris: Iterable[str]) -> str:
    """IRIs as their local names in a CSV cell, separated by spaces."""
    return " ".join(local_name(i) for i in iris)
