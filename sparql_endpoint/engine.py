"""Which engine answers a request of this app: the served build, and its queries' executor.

Shared by the protocol handler (protocol.py), its HTML results page (results_table.py), the
dataset pages and the browser UI, so that dependencies run one way: they all import this module,
it imports none of them.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app, request

from sparql_endpoint.current import ServedBuild

from .admission import Admission
from .executor import Answer, OverBudget, QueryExecutor, answer


def served() -> ServedBuild:
    """The build this app serves now (follows `var/current`, or the remote store's last publish)."""
    return current_app.extensions["isoko.current"].get()


def run_query(build: ServedBuild, query: str, default_graphs: list[str], named_graphs: list[str],
              accept: str, format_param: str | None, budget: float | None = None) -> Answer:
    """One protocol query: on the build's oxigraph sidecar (within `budget` seconds, if given, else
    `OverBudget`), or on the remote store it lives in (whose own timeout applies)."""
    config = current_app.config["ISOKO"]
    # Relative IRIs resolve against this endpoint's public address, not the engine's loopback one
    # (a later BASE in the query still wins; only columns of line 1 in error messages move).
    query = f"BASE <{request.base_url}> {query}"
    if not getattr(build.store, "path", None):
        return answer(build.store, query, default_graphs, named_graphs, accept, format_param, config.result_limit)
    executor = current_app.extensions.get("isoko.executor")
    if executor is None:  # racing threads may both make one: only the one stored is kept and used
        executor = current_app.extensions.setdefault("isoko.executor", QueryExecutor(
            timeout=config.query_timeout, limit=config.result_limit, max_bytes=config.result_max_bytes))
    return executor.run(build.store.path, query, default_graphs, named_graphs, accept, format_param, budget)


def admission() -> Admission:
    """This app's bounds on concurrent /sparql evaluations (admission.py)."""
    found = current_app.extensions.get("isoko.admission")
    if found is None:
        config = current_app.config["ISOKO"]
        found = current_app.extensions.setdefault("isoko.admission", Admission(
            config.run_dir / "sparql-slots", config.sparql_per_client, config.sparql_per_process,
            config.sparql_overall))
    return found


Answered = TypeVar("Answered")


def admitted(run: Callable[[float | None], Answered]) -> Answered:
    """`run(budget)` in the requesting client's lane (admission.py): first the light lane, and if
    the query needs longer, again in the heavy lane. Raises `admission.Busy` when no slot is free."""
    client, gate = request.remote_addr or "", admission()
    timeout = current_app.config["ISOKO"].query_timeout
    try:
        with gate.slot(client) as budget:
            return run(budget if budget is not None and budget < timeout else None)  # no shorter: no retry
    except OverBudget:
        gate.mark_heavy(client)
    with gate.slot(client, heavy=True) as budget:
        return run(budget)
