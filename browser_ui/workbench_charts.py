"""The charts of the analysis pages: the figures of browser_ui/analysis/ as Vega-Lite specs in the
reader's language, rendered on the server as inline SVG (sparql_endpoint/charts.py, cached there by
content), so they show without JavaScript and print. Each returns None when there is nothing to draw.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from flask_babel import gettext as _
from markupsafe import Markup

from sparql_endpoint import charts

from .analysis.dependency_map import Edge
from .analysis.institutions import InstitutionFigures
from .analysis.once_only import Carried
from .analysis.quality import FACTS, InstitutionQuality
from .language import preferred_language

ONCE_ONLY_BARS = 20  # the most carried documents drawn; the table lists them all


def _svg(spec: dict) -> Markup:
    locale = "en-US" if preferred_language() == "en" else "fr-FR"
    return Markup(charts.render_svg(spec, locale=locale))  # vl-convert writes escaped XML


def unique_names(iris: list[str], name: Callable[[str], str]) -> dict[str, str]:
    """Names for chart axes, where two equal names would merge into one bar: those get their IRI's slug."""
    names = {i: name(i) for i in iris}
    repeated = Counter(names.values())
    return {i: f"{n} ({i.rsplit('/', 1)[-1]})" if repeated[n] > 1 else n for i, n in names.items()}


def institutions_activity(figures: list[InstitutionFigures], name: Callable[[str], str]) -> Markup | None:
    """Procedures, documents required and documents issued per institution: grouped bars."""
    if not figures:
        return None
    names = unique_names([f.institution for f in figures], name)
    institution, measure, count = _("Institution"), _("Count"), _("Number")
    labels = {"procedures": _("Procedures"), "documents_required": _("Documents required"),
              "documents_issued": _("Documents issued")}
    rows = [{institution: names[f.institution], measure: label, count: getattr(f, key)}
            for f in figures for key, label in labels.items()]
    title = _("Procedures and documents per institution")
    return _svg(charts.bar_spec(rows, institution, count, title=title, color=measure,
                                color_order=list(labels.values()), description=_(
        "For each institution, its number of procedures, of documents they require and of documents they issue."
    )))


def institutions_fees(figures: list[InstitutionFigures], name: Callable[[str], str]) -> Markup | None:
    """The lowest and highest fee of each institution, one panel per currency (never converted)."""
    names = unique_names([f.institution for f in figures if f.fees], name)
    if not names:
        return None
    institution, currency, lowest, highest = _("Institution"), _("Currency"), _("Lowest fee"), _("Highest fee")
    rows = [{institution: names[f.institution], currency: code, lowest: fee.lowest, highest: fee.highest}
            for f in figures for code, fee in f.fees.items()]
    return _svg(charts.bar_spec(
        rows, institution, lowest, behind=highest, facet=currency, value_title=_("Amount"),
        title=_("Fees by institution and currency"),
        description=_("For each institution, its lowest fee (dark) and its highest fee (light), one panel per "
                      "currency: amounts are never converted.")))


def once_only_chart(carried: list[Carried], name: Callable[[str], str]) -> Markup | None:
    """The most carried documents, ranked by the number of procedures that require them."""
    shown = carried[:ONCE_ONLY_BARS]
    if not shown:
        return None
    names = unique_names([c.document for c in shown], name)
    document, procedures = _("Document"), _("Procedures requiring it")
    rows = [{document: names[c.document], procedures: len(c.procedures)} for c in shown]
    return _svg(charts.bar_spec(rows, document, procedures, title=_("Documents carried between institutions"),
                                description=_("The documents citizens carry from one institution to another, "
                                              "ranked by the number of procedures that require them.")))


def quality_chart(table: list[InstitutionQuality], name: Callable[[str], str]) -> Markup | None:
    """The share of the eight facts stated, per institution."""
    if not table:
        return None
    names = unique_names([e.institution for e in table], name)
    institution, share = _("Institution"), _("Facts stated (%)")
    rows = [{institution: names[e.institution], share: round(e.score, 1)} for e in table]
    return _svg(charts.bar_spec(rows, institution, share, title=_("Completeness per institution"),
                                description=_("For each institution, the share of the eight facts that its "
                                              "procedures state, in percent.")))


def institution_facts_chart(entry: InstitutionQuality, facts: dict[str, str]) -> Markup:
    """One institution: the share of its procedures that state each fact, in the dashboard's order."""
    fact, share = _("Fact"), _("Procedures stating it (%)")
    rows = [{fact: str(facts[f]), share: round(entry.percent(f), 1)} for f in FACTS]
    return _svg(charts.bar_spec(rows, fact, share, sort=False, title=_("Facts stated by each procedure"),
                                description=_("The share of this institution's procedures that state each fact, "
                                              "in percent.")))


def dependency_heatmap(edges: list[Edge], short: dict[str, str]) -> Markup | None:
    """Issuing institutions by requiring institutions, each cell the number of procedures."""
    if not edges:
        return None
    names = unique_names(sorted({i for e in edges for i in (e.issuer, e.requirer)}), short.__getitem__)
    issuer, requirer, count = _("Issues the document"), _("Requires it"), _("Procedures")
    rows = [{issuer: names[e.issuer], requirer: names[e.requirer], count: e.weight} for e in edges]
    return _svg(charts.heatmap_spec(
        rows, requirer, issuer, count, title=_("Dependencies between institutions"),
        description=_("A grid: a row per issuing institution, a column per requiring institution; each cell "
                      "gives the number of procedures that depend on a document from the other.")))
