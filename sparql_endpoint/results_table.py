"""`GET /sparql?query=...&format=html`: a query's results as an HTML table (issue 7, the query page).

The query runs exactly as for the other formats (oxigraph sidecar with timeout and row limit, or
the remote store), as SPARQL JSON; SELECT rows become a table whose IRIs under the base IRI link to
their entity pages (with their labels), other http(s) IRIs link out, and a link downloads the same
results as CSV. ASK shows its answer; a graph result links to its Turtle and N-Triples.

A two-column result (labels and numbers) also has a chart view, `view=chart` (`kind=` bar, line or
pie), drawn on the server as SVG (charts.py), so it shows without JavaScript. The page offers a
permanent link (permalinks.py), and shows it when the page was reached through one (`/q/<key>`):
then its own links go through the permanent link too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, current_app, render_template, request, url_for

from .charts import KINDS, ChartError, render_svg, results_chart_spec
from .engine import run_query
from .executor import QueryTimeout
from .forward import shown_permalink

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
    return _render(query, variables=variables, rows=rows, total=len(bindings), chart=_chart(variables, rows),
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


@dataclass
class Chart:
    kinds: tuple[str, ...]  # the kinds this result can be drawn as (none: it is not a chart)
    kind: str | None = None  # the kind asked for with view=chart
    svg: str = ""
    problem: str = ""


def _chart(variables: list[str], rows: list[list[Cell | None]]) -> Chart:
    """Which charts fit the result, and the one `view=chart` (`kind=`) asks for, drawn."""
    values = [[(cell.label or cell.text) if cell else None for cell in row] for row in rows]
    specs = {kind: results_chart_spec(variables, values, kind) for kind in KINDS}
    chart = Chart(tuple(kind for kind, spec in specs.items() if spec))
    if request.args.get("view") != "chart":
        return chart
    chart.kind = request.args.get("kind") if request.args.get("kind") in KINDS else KINDS[0]
    if chart.kind in chart.kinds:
        from browser_ui.language import preferred_language
        try:
            chart.svg = render_svg(specs[chart.kind], locale="en-US" if preferred_language() == "en" else "fr-FR")
        except ChartError as err:
            chart.problem = str(err)
    return chart


def _page(query: str, graphs: dict[str, list[str]], **parameters: str) -> str:
    """This query's page with other parameters: through its permanent link when the page came from one."""
    key = shown_permalink()
    if key:
        return url_for("permalinks.show", key=key, **graphs, **parameters)
    return url_for("sparql.sparql", query=query, **graphs, **parameters)


def _render(query: str, status: int = 200, default_graphs=(), named_graphs=(), **context) -> Response:
    from .permalinks import MAX_QUERY_CHARS, normalise  # permalinks imports this module (through protocol)

    graphs = {"default-graph-uri": list(default_graphs), "named-graph-uri": list(named_graphs)}
    links = {name: _page(query, graphs, format=name) for name in ("csv", "json", "ttl", "nt")}
    links["table"] = _page(query, graphs, format="html")
    links["charts"] = {kind: _page(query, graphs, format="html", view="chart", kind=kind) for kind in KINDS}
    context.setdefault("variables", [])
    context.setdefault("rows", [])
    context.setdefault("chart", Chart(()))
    key = shown_permalink()
    permalink = url_for("permalinks.show", key=key, _external=True) if key else None
    may_keep = status == 200 and not permalink and len(normalise(query)) <= MAX_QUERY_CHARS
    body = render_template("sparql_results.html", query=query, links=links, shown=HTML_ROWS, status=status,
                           edit=url_for("sparql.sparql", example_query=query), permalink=permalink,
                           may_keep=may_keep, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.vary.add("Accept-Language")
    return response
