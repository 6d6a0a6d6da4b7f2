"""The analyst workbench: pages and CSV downloads under /analysis/ (issue 7).

Thin views over browser_ui/analysis/ (one module per analysis, each running its documented query of
sparql_endpoint/queries/ on the served store); here only the labels in the reader's language, the
templates, the CSV responses and their caching headers. Nothing here needs JavaScript: the charts
are inline SVG drawn on the server (workbench_charts.py); the dependency map's interactive network is
an addition for browsers that run scripts.

    /analysis                       index, with the rules and the queries behind each page
    /analysis/tree/<slug>           prerequisite tree of a procedure, its true cost and time (+ ?format=csv)
    /analysis/costs                 true cost and time of every procedure with prerequisites (+ csv)
    /analysis/dependencies          cross-ministry dependency map, table and SVG (?level=top, + csv)
    /analysis/once-only             documents carried between institutions (+ csv)
    /analysis/institutions          procedures, documents and fees per institution (+ csv)
    /analysis/quality               data-quality dashboard per institution (?sort=&order=, + csv)
    /analysis/quality/<slug>        one institution's gaps (?missing=fact)
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, make_response, render_template, request
from flask_babel import lazy_gettext

from loaders.kinds import SLUG
from loaders.quality import read_quality
from sparql_endpoint.protocol import served

from . import workbench_charts as charts
from .analysis import common, dependency_map as dm, institutions as inst, once_only as oo, prerequisites as pq
from .analysis import quality as qa
from .analysis import true_cost as tc
from .analysis.graph import Graph
from .formatting import format_amount, format_duration
from .labels import kept_for, sort_key
from .language import COOKIE, babel_locale, preferred_language
from .procedure import Link
from .views import _page
from .workbench_responses import config, csv_response, labels, query_href, titles, wants_csv

blueprint = Blueprint("workbench", __name__, template_folder="templates")
CHAINS_KEPT = 2048  # procedures whose prerequisite chain a worker keeps for the served build
FACT_NAMES = {
    "fee": lazy_gettext("Fee"), "time": lazy_gettext("Processing time"), "legal_basis": lazy_gettext("Legal basis"),
    "office": lazy_gettext("Office"), "title_fr": lazy_gettext("French title"),
    "title_en": lazy_gettext("English title"), "title_rn": lazy_gettext("Kirundi title"),
    "recently_checked": lazy_gettext("Checked in the last 12 months"),
}


def today() -> date:
    """The day "the last 12 months" ends (a function, so tests can set it)."""
    return date.today()


def _page_of_the_day(template: str, **context) -> Response:
    """views._page for pages that also change with the date ("checked in the last 12 months"):
    the same headers, with today's date in the ETag."""
    language = preferred_language()
    response = make_response(render_template(template, lang=language, **context))
    if request.args.get("lang") == language:
        response.set_cookie(COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    digest = hashlib.sha256(request.full_path.encode()).hexdigest()[:12]
    response.set_etag(f"{served().id}-{today().isoformat()}-{language}-{digest}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def format_days(days: float, language: str) -> str:
    """A number of days in the reader's language ("63 days"; "0.5 days" when not whole)."""
    if float(days).is_integer():
        return format_duration(f"P{int(days)}D", language)
    from babel.units import format_unit
    return format_unit(round(days, 2), "duration-day", locale=babel_locale("fr" if language == "rn" else language))


# --- prerequisite tree and true cost -----------------------------------------------------------

@dataclass
class Prerequisites:
    tree: pq.Tree
    cost: tc.TrueCost
    links: dict[str, Link]
    graph: Graph

    @property
    def has_chain(self) -> bool:
        """True when some required document is issued by a catalogued procedure."""
        return any(d.issuers for d in self.tree.root.documents)


def prerequisites(procedure: str) -> Prerequisites:
    graph, tree, cost = _of_procedure(served().store, procedure)
    # the procedures, their institutions and every document of the chain (the keys of graph.issuers)
    iris = {procedure} | set(graph.issuers) | {i for f in graph.facts.values() for i in (f.iri, *f.institutions)}
    return Prerequisites(tree, cost, labels(iris), graph)


def _of_procedure(store, procedure: str) -> tuple[Graph, pq.Tree, tc.TrueCost]:
    """A procedure's chain and true cost depend on the build only: kept per served store and worker
    (over half of an uncached procedure page's time at 1M, benchmarks/README.md); never mutated."""
    kept = kept_for(store, "prerequisites", CHAINS_KEPT)
    found = kept.get({procedure}).get(procedure) if kept is not None else None
    if found is None:
        found = tc.of_procedure(store, procedure)
        if kept is not None:
            kept.put({procedure: found})
    return found


@blueprint.app_template_global("analysis_prerequisites")
def procedure_section(procedure: str) -> Prerequisites | None:
    """For the procedure page's section (templates/analysis_prerequisites.html)."""
    found = prerequisites(procedure)
    return found if found.has_chain else None


@blueprint.app_template_global("analysis_days")
def _days_global(days: float) -> str:
    return format_days(days, preferred_language())


@blueprint.app_template_global("analysis_amount")
def _amount_global(value: float) -> str:
    return format_amount(str(value), preferred_language())


def _procedure_iri(slug: str) -> str:
    if not SLUG.match(slug):
        abort(404)
    iri = f"{config().id_base}procedure/{slug}"
    if not common.is_procedure(served().store, iri):
        abort(404)
    return iri


@blueprint.route("/analysis")
def index() -> Response:
    return _page("analysis_index.html", queries={name: query_href(name) for name in (
        pq.TREE_QUERY, tc.COST_QUERY, dm.MAP_QUERY, oo.ONCE_ONLY_QUERY, qa.COMPLETENESS_QUERY, qa.QUALITY_QUERY,
        inst.ACTIVITY_QUERY, inst.FEES_QUERY)})


@blueprint.route("/analysis/tree/<slug>")
def tree(slug: str) -> Response:
    iri = _procedure_iri(slug)
    found = prerequisites(iri)
    if wants_csv():
        return csv_response(f"prerequisites-{slug}.csv", pq.CSV_HEADER,
                            pq.csv_rows(found.tree, titles(found.links)))
    return _page("analysis_tree.html", p=found, iri=iri, slug=slug,
                 query=query_href(pq.TREE_QUERY), cost_query=query_href(tc.COST_QUERY))


@blueprint.route("/analysis/costs")
def costs() -> Response:
    results = tc.catalogue_costs(served().store)
    links = labels({p for p, _, c in results for p in (p, *c.counted)})
    if wants_csv():
        return csv_response("true-cost-and-time.csv", *tc.csv_table(results, titles(links)))
    return _page("analysis_costs.html", results=results, links=links, query=query_href(tc.COST_QUERY),
                 tree_query=query_href(pq.TREE_QUERY))


# --- cross-ministry dependency map -------------------------------------------------------------

@blueprint.route("/analysis/dependencies")
def dependencies() -> Response:
    level = request.args.get("level", "institution")
    if level not in dm.LEVELS:
        abort(400)
    store = served().store
    edges = dm.dependency_map(store, level)
    links = labels({i for e in edges for i in (e.issuer, e.requirer, *e.procedures, *e.documents)})
    if wants_csv():
        return csv_response(f"dependencies-{level}.csv", dm.CSV_HEADER, dm.csv_rows(edges, titles(links)))
    layout = dm.map_layout(edges)
    short = dm.short_names(store, {b.iri for b in layout.issuers + layout.requirers}, titles(links))
    return _page("analysis_dependencies.html", edges=edges, links=links, layout=layout, short=short, level=level,
                 query=query_href(dm.MAP_QUERY), heatmap=charts.dependency_heatmap(edges, short),
                 network=dm.network(edges, short.__getitem__))


# --- once-only report --------------------------------------------------------------------------

@blueprint.route("/analysis/once-only")
def once_only() -> Response:
    carried = oo.carried_documents(served().store)
    links = labels({i for c in carried for i in (c.document, *c.issuers, *c.requirers, *c.procedures)})
    if wants_csv():
        return csv_response("once-only.csv", oo.CSV_HEADER, oo.csv_rows(carried, titles(links)))
    return _page("analysis_once_only.html", carried=carried, links=links, query=query_href(oo.ONCE_ONLY_QUERY),
                 chart_svg=charts.once_only_chart(carried, titles(links)))


# --- institutions at a glance ------------------------------------------------------------------

@blueprint.route("/analysis/institutions")
def institutions() -> Response:
    store = served().store
    figures = inst.institution_figures(store)
    links = labels({f.institution for f in figures})
    if wants_csv():
        return csv_response("institutions.csv", *inst.csv_table(figures, titles(links)))
    short = dm.short_names(store, set(links), titles(links)).__getitem__
    return _page("analysis_institutions.html", figures=figures, links=links, currencies=inst.currencies(figures),
                 activity_chart=charts.institutions_activity(figures, short),
                 fees_chart=charts.institutions_fees(figures, short),
                 activity_query=query_href(inst.ACTIVITY_QUERY), fees_query=query_href(inst.FEES_QUERY))


# --- data-quality dashboard --------------------------------------------------------------------

def quality_report() -> dict | None:
    """The served build's quality.json (in its folder, or the local copy of a published build)."""
    settings, build = config(), served()
    folder = os.path.realpath(settings.current_link)
    if os.path.basename(folder) != build.id:
        folder = os.path.join(settings.builds_dir, build.id)
    return read_quality(folder)


def _quality_rows() -> list[dict[str, str]]:
    return qa.completeness_rows(served().store, today())


@blueprint.route("/analysis/quality")
def quality() -> Response:
    report = quality_report()
    rows = _quality_rows()
    table = qa.quality_table(rows, report["warnings"] if report else None)
    links = labels({e.institution for e in table})
    names = {i: sort_key(link.label, i) for i, link in links.items()}
    column = request.args.get("sort", "score")
    column = column if column in qa.SORT_COLUMNS else "score"
    order = request.args.get("order", "asc" if column in ("score", "institution") else "desc")
    order = order if order in ("asc", "desc") else "asc"
    table = qa.sort_quality(table, column, order, names)
    if wants_csv():
        return csv_response("data-quality.csv", qa.CSV_HEADER, qa.csv_rows(table, titles(links), bool(report)),
                            day=today())
    short = dm.short_names(served().store, set(links), titles(links)).__getitem__
    return _page_of_the_day("analysis_quality.html", table=table, links=links, facts=FACT_NAMES,
                            column=column, order=order, report=report, total=qa.quality_total(rows),
                            since=qa.year_before(today()), slug=_slug, query=query_href(qa.QUALITY_QUERY),
                            gaps_query=query_href(qa.COMPLETENESS_QUERY), chart_svg=charts.quality_chart(table, short))


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


@blueprint.route("/analysis/quality/<slug>")
def quality_gaps(slug: str) -> Response:
    if not SLUG.match(slug):
        abort(404)
    institution = f"{config().id_base}institution/{slug}"
    missing = request.args.get("missing") or None
    if missing is not None and missing not in qa.FACTS:
        abort(400)
    report = quality_report()
    rows = [r for r in _quality_rows() if r["institution"] == institution]
    if not rows:
        abort(404)
    entry = qa.quality_table(rows, report["warnings"] if report else None)[0]
    warnings = [w for w in (report or {}).get("warnings", [])
                if w["focus"] in entry.procedures and (missing is None or w["fact"] == missing)]
    shown = entry.missing[missing] if missing else entry.procedures
    links = labels({institution, *entry.procedures})
    ordered = sorted(shown, key=lambda p: sort_key(links[p].label, p))
    return _page_of_the_day("analysis_quality_gaps.html", entry=entry, links=links, facts=FACT_NAMES,
                            missing=missing, procedures=ordered, warnings=warnings, institution=institution,
                            slug=slug, report=report, since=qa.year_before(today()),
                            chart_svg=charts.institution_facts_chart(entry, FACT_NAMES),
                            gaps_query=query_href(qa.COMPLETENESS_QUERY))
