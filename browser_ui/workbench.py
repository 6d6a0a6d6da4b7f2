"""The analyst workbench: pages and CSV downloads under /analysis/ (issue 7).

Each page runs the documented queries of sparql_endpoint/queries/ through the store interface
(`store.select`), then browser_ui/analysis.py assembles and sums; nothing here needs JavaScript.

    /analysis                       index, with the rules and the queries behind each page
    /analysis/tree/<slug>           prerequisite tree of a procedure, its true cost and time (+ ?format=csv)
    /analysis/costs                 true cost and time of every procedure with prerequisites (+ csv)
    /analysis/dependencies          cross-ministry dependency map, table and SVG (?level=top, + csv)
    /analysis/once-only             documents carried between institutions (+ csv)
    /analysis/quality               data-quality dashboard per institution (?sort=&order=, + csv)
    /analysis/quality/<slug>        one institution's gaps (?missing=fact)
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request, url_for
from flask_babel import lazy_gettext

from loaders.kinds import SLUG
from loaders.quality import read_quality
from sparql_endpoint.protocol import served

from . import analysis as an
from .formatting import format_amount, format_duration
from .labels import fetch_labels, local_name, sort_key
from .language import COOKIE, preferred_language
from .procedure import Link
from .views import _page, local_href

blueprint = Blueprint("workbench", __name__, template_folder="templates")
PROCEDURE_TYPE = "http://purl.org/vocab/cpsv#PublicService"
FACT_NAMES = {
    "fee": lazy_gettext("Fee"), "time": lazy_gettext("Processing time"), "legal_basis": lazy_gettext("Legal basis"),
    "office": lazy_gettext("Office"), "title_fr": lazy_gettext("French title"),
    "title_en": lazy_gettext("English title"), "title_rn": lazy_gettext("Kirundi title"),
    "recently_checked": lazy_gettext("Checked in the last 12 months"),
}


def today() -> date:
    """The day "the last 12 months" ends (a function, so tests can set it)."""
    return date.today()


def _config():
    return current_app.config["ISOKO"]


def _select(query: str) -> list[dict[str, str]]:
    return an.plain(served().store.select(query))


def _labels(iris) -> dict[str, Link]:
    iris = {i for i in iris if i}
    found = fetch_labels(served().store, iris, preferred_language(), _config().languages)
    return {i: Link(local_href(i), found.get(i), i) for i in iris}


def _name(link: Link | None, iri: str = "") -> str:
    return link.label.text if link and link.label else local_name(iri)


def _wants_csv() -> bool:
    return (request.args.get("format") or "").lower() == "csv"


def _csv(filename: str, header: list[str], rows: list[list], day: date | None = None) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    digest = hashlib.sha256(request.full_path.encode()).hexdigest()[:12]
    response.set_etag(f"{served().id}-{day or ''}-{preferred_language()}-csv-{digest}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


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


def _query_href(name: str) -> str:
    """The /sparql form filled with the documented query behind a page."""
    return url_for("sparql.sparql", example_query=an.query_text(name))


def _amount(value: float) -> str:
    return format_amount(str(value), preferred_language())


def format_days(days: float, language: str) -> str:
    """A number of days in the reader's language ("63 days"; "0.5 days" when not whole)."""
    if float(days).is_integer():
        return format_duration(f"P{int(days)}D", language)
    from babel.units import format_unit
    return format_unit(round(days, 2), "duration-day", locale="fr" if language == "rn" else language)


# --- prerequisite tree and true cost -----------------------------------------------------------

@dataclass
class Prerequisites:
    tree: an.Tree
    cost: an.TrueCost
    links: dict[str, Link]
    graph: an.Graph

    @property
    def has_chain(self) -> bool:
        """True when some required document is issued by a catalogued procedure."""
        return any(d.issuers for d in self.tree.root.documents)


def prerequisites(procedure: str) -> Prerequisites:
    tree_rows = _select(an.with_roots(an.query_text(an.TREE_QUERY), [procedure]))
    costs = an.query_text(an.COST_QUERY)
    try:
        costs = an.with_chain(costs, an.chain_of(tree_rows, procedure))
    except ValueError:  # the documented query changed shape: run it as it is
        costs = an.with_roots(costs, [procedure])
    graph = an.graph_from_rows(tree_rows, _select(costs))
    tree = an.prerequisite_tree(graph, procedure)
    cost = an.true_cost(graph, tree)
    # the procedures, their institutions and every document of the chain (the keys of graph.issuers)
    iris = {procedure} | set(graph.issuers) | {i for f in graph.facts.values() for i in (f.iri, *f.institutions)}
    return Prerequisites(tree, cost, _labels(iris), graph)


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
    return _amount(value)


def _procedure_iri(slug: str) -> str:
    if not SLUG.match(slug):
        abort(404)
    iri = f"{_config().id_base}procedure/{slug}"
    if not served().store.ask(f"ASK {{ <{iri}> a <{PROCEDURE_TYPE}> }}"):
        abort(404)
    return iri


@blueprint.route("/analysis")
def index() -> Response:
    return _page("analysis_index.html", queries={name: _query_href(name) for name in (
        an.TREE_QUERY, an.COST_QUERY, an.MAP_QUERY, an.ONCE_ONLY_QUERY, an.COMPLETENESS_QUERY, an.QUALITY_QUERY)})


@blueprint.route("/analysis/tree/<slug>")
def tree(slug: str) -> Response:
    iri = _procedure_iri(slug)
    found = prerequisites(iri)
    if _wants_csv():
        links = found.links
        rows = [[r["depth"], " > ".join(local_name(p) for p in r["path"]), r["procedure"],
                 _name(links.get(r["procedure"]), r["procedure"]),
                 r["document"], _name(links.get(r["document"]), r["document"]), r["issuer"],
                 _name(links.get(r["issuer"]), r["issuer"]) if r["issuer"] else "",
                 " ".join(r["institutions"]), "yes" if r["cycle"] else "", "yes" if r["counted"] else ""]
                for r in an.tree_rows(found.tree)]
        return _csv(f"prerequisites-{slug}.csv", ["depth", "path", "procedure", "procedure_title", "document",
                                                  "document_title", "issuing_procedure", "issuing_procedure_title",
                                                  "issuing_institutions", "cycle", "counted"], rows)
    return _page("analysis_tree.html", p=found, iri=iri, slug=slug,
                 query=_query_href(an.TREE_QUERY), cost_query=_query_href(an.COST_QUERY))


@blueprint.route("/analysis/costs")
def costs() -> Response:
    procedures = [r["p"] for r in _select(f"SELECT ?p WHERE {{ ?p a <{PROCEDURE_TYPE}> }}")]
    graph = an.graph_from_rows(_select(an.with_roots(an.query_text(an.TREE_QUERY), procedures)),
                               _select(an.with_roots(an.query_text(an.COST_QUERY), procedures)))
    results = []
    for procedure in procedures:
        if not any(graph.issuers.get(d) for d in graph.inputs.get(procedure, [])):
            continue  # nothing it requires comes from a catalogued procedure
        tree_ = an.prerequisite_tree(graph, procedure)
        results.append((procedure, tree_, an.true_cost(graph, tree_)))
    results.sort(key=lambda r: (-r[1].depth, -len(r[2].counted), r[0]))
    links = _labels({p for p, _, c in results for p in (p, *c.counted)})
    if _wants_csv():
        currencies = sorted({c for _, _, cost in results for c in cost.totals},
                            key=lambda c: (c != an.PREFERRED_CURRENCY, c))
        return _csv("true-cost-and-time.csv",
                    ["procedure", "title", "chain_steps", "longest_chain", "procedures_counted",
                     *[f"fee_{c}" for c in currencies], "fee_at_least", "procedures_without_fee", "days",
                     "days_at_least", "procedures_without_time", "cycles"],
                    [[p, _name(links.get(p), p), t.depth, " > ".join(local_name(x) for x in t.longest), len(c.counted),
                      *[_plain_number(c.totals[k]) if k in c.totals else "" for k in currencies],
                      "yes" if c.cost_at_least else "", " ".join(local_name(x) for x in c.missing_fee),
                      _plain_number(c.days), "yes" if c.time_at_least else "",
                      " ".join(local_name(x) for x in c.missing_time),
                      " | ".join(" > ".join(local_name(x) for x in loop) for loop in t.cycles)]
                     for p, t, c in results])
    return _page("analysis_costs.html", results=results, links=links, query=_query_href(an.COST_QUERY),
                 tree_query=_query_href(an.TREE_QUERY))


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")


# --- cross-ministry dependency map -------------------------------------------------------------

@blueprint.route("/analysis/dependencies")
def dependencies() -> Response:
    level = request.args.get("level", "institution")
    if level not in ("institution", "top"):
        abort(400)
    edges = an.dependency_edges(_select(an.with_level(an.query_text(an.MAP_QUERY), level)))
    links = _labels({i for e in edges for i in (e.issuer, e.requirer, *e.procedures, *e.documents)})
    if _wants_csv():
        return _csv(f"dependencies-{level}.csv",
                    ["issuer", "issuer_name", "requirer", "requirer_name", "procedures", "documents",
                     "procedure_list", "document_list"],
                    [[e.issuer, _name(links.get(e.issuer), e.issuer), e.requirer,
                      _name(links.get(e.requirer), e.requirer), e.weight, len(e.documents),
                      " ".join(e.procedures), " ".join(e.documents)] for e in edges])
    layout = an.map_layout(edges)
    short = _short_names({b.iri for b in layout.issuers + layout.requirers}, links)
    return _page("analysis_dependencies.html", edges=edges, links=links, layout=layout, short=short, level=level,
                 query=_query_href(an.MAP_QUERY))


def _short_names(iris: set[str], links: dict[str, Link]) -> dict[str, str]:
    """Acronyms (untagged skos:altLabel) where institutions have one, else names cut to 30 characters."""
    short = {}
    if iris:
        values = " ".join(f"<{i}>" for i in sorted(iris))
        for row in _select(f"""SELECT ?x ?a WHERE {{ VALUES ?x {{ {values} }}
                ?x <http://www.w3.org/2004/02/skos/core#altLabel> ?a FILTER(LANG(?a) = "") }} ORDER BY ?x ?a"""):
            short.setdefault(row["x"], row["a"])
    for iri in iris:
        if iri not in short:
            name = _name(links.get(iri), iri)
            short[iri] = name if len(name) <= 30 else name[:29] + "…"
    return short


# --- once-only report --------------------------------------------------------------------------

@blueprint.route("/analysis/once-only")
def once_only() -> Response:
    carried = an.once_only(_select(an.query_text(an.ONCE_ONLY_QUERY)))
    links = _labels({i for c in carried for i in (c.document, *c.issuers, *c.requirers, *c.procedures)})
    if _wants_csv():
        return _csv("once-only.csv", ["document", "document_title", "procedures", "issuing_institutions",
                                      "requiring_institutions", "requiring_institution_count", "procedure_list"],
                    [[c.document, _name(links.get(c.document), c.document), len(c.procedures),
                      " ".join(c.issuers), " ".join(c.requirers), len(c.requirers), " ".join(c.procedures)]
                     for c in carried])
    return _page("analysis_once_only.html", carried=carried, links=links, query=_query_href(an.ONCE_ONLY_QUERY))


# --- data-quality dashboard --------------------------------------------------------------------

def quality_report() -> dict | None:
    """The served build's quality.json (in its folder, or the local copy of a published build)."""
    config, build = _config(), served()
    folder = os.path.realpath(config.current_link)
    if os.path.basename(folder) != build.id:
        folder = os.path.join(config.builds_dir, build.id)
    return read_quality(folder)


def _quality_rows() -> list[dict[str, str]]:
    return _select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), an.year_before(today())))


@blueprint.route("/analysis/quality")
def quality() -> Response:
    report = quality_report()
    rows = _quality_rows()
    table = an.quality_table(rows, report["warnings"] if report else None)
    links = _labels({e.institution for e in table})
    names = {i: sort_key(link.label, i) for i, link in links.items()}
    column = request.args.get("sort", "score")
    column = column if column in an.SORT_COLUMNS else "score"
    order = request.args.get("order", "asc" if column in ("score", "institution") else "desc")
    order = order if order in ("asc", "desc") else "asc"
    table = an.sort_quality(table, column, order, names)
    if _wants_csv():
        return _csv("data-quality.csv",
                    ["institution", "name", "procedures", *[f"{f}_percent" for f in an.FACTS], "score_percent",
                     "warnings", *[f"missing_{f}" for f in an.FACTS]],
                    [[e.institution, _name(links.get(e.institution), e.institution), len(e.procedures),
                      *[round(e.percent(f), 1) for f in an.FACTS], round(e.score, 1), e.warnings if report else "",
                      *[" ".join(e.missing[f]) for f in an.FACTS]] for e in table], day=today())
    total = an.InstitutionQuality("", sorted({r["procedure"] for r in rows}), {f: sorted(
        {r["procedure"] for r in rows if r.get(f) != "true"}) for f in an.FACTS})
    return _page_of_the_day("analysis_quality.html", table=table, links=links, facts=FACT_NAMES, column=column,
                            order=order, report=report, total=total, since=an.year_before(today()), slug=_slug,
                            query=_query_href(an.QUALITY_QUERY), gaps_query=_query_href(an.COMPLETENESS_QUERY))


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


@blueprint.route("/analysis/quality/<slug>")
def quality_gaps(slug: str) -> Response:
    if not SLUG.match(slug):
        abort(404)
    institution = f"{_config().id_base}institution/{slug}"
    missing = request.args.get("missing") or None
    if missing is not None and missing not in an.FACTS:
        abort(400)
    report = quality_report()
    rows = [r for r in _quality_rows() if r["institution"] == institution]
    if not rows:
        abort(404)
    entry = an.quality_table(rows, report["warnings"] if report else None)[0]
    warnings = [w for w in (report or {}).get("warnings", [])
                if w["focus"] in entry.procedures and (missing is None or w["fact"] == missing)]
    shown = entry.missing[missing] if missing else entry.procedures
    links = _labels({institution, *entry.procedures})
    ordered = sorted(shown, key=lambda p: sort_key(links[p].label, p))
    return _page_of_the_day("analysis_quality_gaps.html", entry=entry, links=links, facts=FACT_NAMES,
                            missing=missing, procedures=ordered, warnings=warnings, institution=institution,
                            slug=slug, report=report, since=an.year_before(today()))
