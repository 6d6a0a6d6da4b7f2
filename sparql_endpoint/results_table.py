"""`GET /sparql?query=...&format=html`: a query's results as an HTML table (issue 7, the query page).

The query runs exactly as for the other formats (oxigraph sidecar with timeout and row limit, or
the remote store), as SPARQL JSON; SELECT rows become a table whose IRIs under the base IRI link to
their entity pages (with their labels), other http(s) IRIs link out, and a link downloads the same
results as CSV. ASK shows its answer; a graph result links to its Turtle and N-Triples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, current_app, render_template, url_for

from .engine import run_query
from .executor import QueryTimeout

HTML_ROWS = 1000  # rows shown on the page; the CSV download has them all (up to the endpoint's limit)


@dataclass
class Cell:
    text: str
    href: str | None = None
    label: str | None = None  # the entity's label, for IRIs of the catalogue
    language: str = ""
    kind: str = "literal"  # uri | literal | bnode


def _cell(binding: dict | None, base: str) -> Cell | None:
    if binding is None:
        return None
    value, kind = binding.get("value", ""), binding.get("type", "literal")
    if kind == "uri":
        if value.startswith(base + "id/"):
            return Cell(value, "/" + value[len(base):], kind="uri")
        return Cell(value, value if value.startswith(("http://", "https://")) else None, kind="uri")
    if kind == "bnode":
        return Cell("_:" + value, kind="bnode")
    return Cell(value, language=binding.get("xml:lang", ""))


def html_results(build, query: str, default_graphs: list[str], named_graphs: list[str],
                 budget: float | None = None) -> Response:
    config = current_app.config["ISOKO"]
    try:
        result = run_query(build, query, default_graphs, named_graphs, "application/sparql-results+json", "json",
                           budget)
    except QueryTimeout as err:
        return _render(query, status=503, error=str(err), default_graphs=default_graphs, named_graphs=named_graphs)
    if result.status == 406:  # a graph: no SPARQL JSON for it
        return _render(query, graph=True, default_graphs=default_graphs, named_graphs=named_graphs)
    if result.status != 200:
        return _render(query, status=result.status, error=result.body.decode("utf-8", "replace").strip(),
                       default_graphs=default_graphs, named_graphs=named_graphs)
    data = json.loads(result.body)
    if "boolean" in data:
        return _render(query, boolean=data["boolean"], default_graphs=default_graphs, named_graphs=named_graphs)
    variables = data["head"]["vars"]
    bindings = data["results"]["bindings"]
    rows = [[_cell(b.get(v), config.base_iri) for v in variables] for b in bindings[:HTML_ROWS]]
    _add_labels(build.store, rows, config)
    return _render(query, variables=variables, rows=rows, total=len(bindings),
                   limited=result.limited and len(bindings) >= config.result_limit,
                   default_graphs=default_graphs, named_graphs=named_graphs)


def _add_labels(store, rows: list[list[Cell | None]], config) -> None:
    from browser_ui.labels import fetch_labels
    from browser_ui.language import preferred_language

    local = {c.text for row in rows for c in row if c and c.kind == "uri" and c.href and c.href.startswith("/")}
    if not local:
        return
    labels = fetch_labels(store, set(sorted(local)[:2000]), preferred_language(), config.languages)
    for row in rows:
        for cell in row:
            if cell and cell.text in labels:
                cell.label = labels[cell.text].text


def _render(query: str, status: int = 200, default_graphs=(), named_graphs=(), **context) -> Response:
    graphs = {"default-graph-uri": list(default_graphs), "named-graph-uri": list(named_graphs)}
    links = {name: url_for("sparql.sparql", query=query, format=name, **graphs)
             for name in ("csv", "json", "ttl", "nt")}
    context.setdefault("variables", [])
    context.setdefault("rows", [])
    body = render_template("sparql_results.html", query=query, links=links, shown=HTML_ROWS, status=status,
                           edit=url_for("sparql.sparql", example_query=query), **context)
    response = Response(body, status=status, mimetype="text/html")
    response.vary.add("Accept-Language")
    return response
