"""Which engine answers a request of this app: the served build, and its queries' executor.

Shared by the protocol handler (protocol.py), its HTML results page (results_table.py), the
dataset pages and the browser UI, so that dependencies run one way: they all import this module,
it imports none of them.
"""

from __future__ import annotations

from flask import current_app

from sparql_endpoint.current import ServedBuild

from .executor import Answer, QueryExecutor, answer


def served() -> ServedBuild:
    """The build this app serves now (follows `var/current`, or the remote store's last publish)."""
    return current_app.extensions["isoko.current"].get()


def run_query(build: ServedBuild, query: str, default_graphs: list[str], named_graphs: list[str],
              accept: str, format_param: str | None) -> Answer:
    """One protocol query: on the build's oxigraph sidecar, or on the remote store it lives in."""
    config = current_app.config["ISOKO"]
    if not getattr(build.store, "path", None):
        return answer(build.store, query, default_graphs, named_graphs, accept, format_param, config.result_limit)
    executor = current_app.extensions.get("isoko.executor")
    if executor is None:  # racing threads may both make one: only the one stored is kept and used
        executor = current_app.extensions.setdefault("isoko.executor", QueryExecutor(
            timeout=config.query_timeout, limit=config.result_limit, max_bytes=config.result_max_bytes))
    return executor.run(build.store.path, query, default_graphs, named_graphs, accept, format_param)
