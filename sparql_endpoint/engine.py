"""Which engine answers a request of this app: the served build, and its queries' executor.

Shared by the protocol handler (protocol.py, and its lean path fast_path.py), its HTML results
page (results_table.py), the dataset pages and the browser UI, so that dependencies run one way:
they all import this module, it imports none of them. The functions taking `app` need no request
context (the lean path has none); their context-bound twins read it from Flask.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, current_app, request

from sparql_endpoint.current import ServedBuild

from .admission import Admission
from .executor import Answer, OverBudget, QueryExecutor, answer
from .result_cache import Request, ResultCache


def served() -> ServedBuild:
    """The build this app serves now (follows `var/current`, or the remote store's last publish)."""
    return current_app.extensions["isoko.current"].get()


def run_query(build: ServedBuild, query: str, default_graphs: list[str], named_graphs: list[str],
              accept: str, format_param: str | None, budget: float | None = None) -> Answer:
    """One protocol query of the current request (see `evaluate`)."""
    asked = Request(query, tuple(default_graphs), tuple(named_graphs), accept, format_param or "", request.base_url)
    return evaluate(current_app, build, asked, budget)


def evaluate(app: Flask, build: ServedBuild, asked: Request, budget: float | None = None) -> Answer:
    """One protocol query: on the build's oxigraph sidecar (within `budget` seconds, if given, else
    `OverBudget`), or on the remote store it lives in (whose own timeout applies)."""
    config = app.config["ISOKO"]
    # Relative IRIs resolve against this endpoint's public address, not the engine's loopback one
    # (a later BASE in the query still wins; only columns of line 1 in error messages move).
    query = f"BASE <{asked.base_url}> {asked.query}"
    graphs = list(asked.default_graphs), list(asked.named_graphs)
    if not getattr(build.store, "path", None):
        return answer(build.store, query, *graphs, asked.accept, asked.format_param, config.result_limit)
    executor = app.extensions.get("isoko.executor")
    if executor is None:  # racing threads may both make one: only the one stored is kept and used
        executor = app.extensions.setdefault("isoko.executor", QueryExecutor(
            timeout=config.query_timeout, limit=config.result_limit, max_bytes=config.result_max_bytes))
    return executor.run(build.store.path, query, *graphs, asked.accept, asked.format_param, budget)


def result_cache(app: Flask) -> ResultCache | None:
    """This app's cache of answers (result_cache.py), None when ISOKO_RESULT_CACHE_MB is 0."""
    found = app.extensions.get("isoko.result_cache", False)
    if found is False:
        config = app.config["ISOKO"]
        made = ResultCache(config.run_dir, int(config.result_cache_mb * 2**20)) if config.result_cache_mb > 0 else None
        found = app.extensions.setdefault("isoko.result_cache", made)
    return found


def cache_for(app: Flask, build: ServedBuild) -> ResultCache | None:
    """The result cache for `build`'s answers: only the embedded build's are cached, as a remote
    store changes with a publish before this app reads the new build's id
    (current.REMOTE_INFO_SECONDS), while an immutable build folder never does."""
    return result_cache(app) if getattr(build.store, "path", None) else None


def cached_or_admitted(app: Flask, build: ServedBuild, client: str, asked: Request) -> Answer:
    """The answer to `asked` from the result cache (`cache_for`), else evaluated in `client`'s lane
    (`admitted`) and kept when it is a success. A cached answer takes no slot: nothing is evaluated."""
    cache = cache_for(app, build)
    found = cache.get(build.id, asked) if cache is not None else None
    if found is not None:
        return found
    fresh = admitted_for(app, client, lambda budget: evaluate(app, build, asked, budget))
    if cache is not None:
        cache.put(build.id, asked, fresh)
    return fresh


def admission(app: Flask | None = None) -> Admission:
    """This app's bounds on concurrent /sparql evaluations (admission.py)."""
    app = app or current_app
    found = app.extensions.get("isoko.admission")
    if found is None:
        config = app.config["ISOKO"]
        found = app.extensions.setdefault("isoko.admission", Admission(
            config.run_dir / "sparql-slots", config.sparql_per_client, config.sparql_per_process,
            config.sparql_overall))
    return found


Answered = TypeVar("Answered")


def admitted(run: Callable[[float | None], Answered]) -> Answered:
    """`admitted_for` the client of the current request."""
    return admitted_for(current_app, request.remote_addr or "", run)


def admitted_for(app: Flask, client: str, run: Callable[[float | None], Answered]) -> Answered:
    """`run(budget)` in `client`'s lane (admission.py): first the light lane, and if the query needs
    longer, again in the heavy lane. Raises `admission.Busy` when no slot is free."""
    gate = admission(app)
    timeout = app.config["ISOKO"].query_timeout
    try:
        with gate.slot(client) as budget:
            return run(budget if budget is not None and budget < timeout else None)  # no shorter: no retry
    except OverBudget:
        gate.mark_heavy(client)
    with gate.slot(client, heavy=True) as budget:
        return run(budget)
