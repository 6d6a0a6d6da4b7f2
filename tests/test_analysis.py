"""The analyst workbench (issue 7) through its pages and CSV downloads (browser_ui/workbench.py) on
the small catalogue with known chains (tests/analysis_catalogue.py), the SPARQL results table, the
real catalogue, and the same numbers on every store. The computations have their own test files,
tests/test_analysis_<module>.py."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from datetime import date

import pytest
from markupsafe import escape

from browser_ui import workbench
from browser_ui.analysis import common, dependency_map as dm, once_only as oo, prerequisites as pq
from browser_ui.analysis import institutions as inst, quality as qa, true_cost as tc
from isoko.app import create_app
from loaders.build import build, current_build
from sparql_endpoint.current import CurrentBuild
from isoko.config import Config
from tests.analysis_catalogue import D, I, P, TODAY, add_chains, graph_for, rows_of, shape
from tests.analysis_catalogue import chains, client  # noqa: F401 (fixtures)
from tests.conftest import FIXTURE
from tests.server import STORES, publish_to, running_store


# --- pages and CSV -----------------------------------------------------------------------------

def test_index_links_every_page_and_the_rules(client):
    page = client.get("/analysis?lang=en").data.decode()
    for href in ("/analysis/costs", "/analysis/dependencies", "/analysis/once-only", "/analysis/quality", "/sparql"):
        assert f'href="{href}"' in page
    assert 'id="rules"' in page and "never converted" in page and "30" in page
    assert 'href="/analysis"' in client.get("/?lang=en").data.decode()  # the navigation link


def test_tree_page_and_csv(client):
    response = client.get("/analysis/tree/business-licence?lang=en")
    page = response.data.decode()
    assert response.status_code == 200
    assert "<h1>Prerequisites of Get a business licence</h1>" in page
    assert "at least <strong>265,000 BIF</strong>" in page and "at least <strong>20 USD</strong>" in page
    assert "at least <strong>35 days</strong>" in page
    assert "No fee stated for:" in page and 'href="/id/procedure/tax-number"' in page
    assert "2 tariffs, the lowest counted (30,000 BIF)" in page
    assert "alternatives not counted:" in page and 'href="/id/procedure/statutes-filing"' in page
    assert "Longest chain: 3 step(s); 6 procedures in the tree." in page
    assert 'href="/id/institution/tax-office"' in page and "<script" not in page
    rows = rows_of(client.get("/analysis/tree/business-licence?format=csv&lang=en"))
    assert list(rows[0]) == ["depth", "path", "procedure", "procedure_title", "document", "document_title",
                             "issuing_procedure", "issuing_procedure_title", "issuing_institutions", "cycle", "counted"]
    assert len(rows) == 8
    assert rows[-1] == {"depth": "3", "path": "business-licence > tax-number > passport", "procedure": P + "passport",
                        "procedure_title": "Get a passport", "document": D + "birth-certificate",
                        "document_title": "Birth certificate", "issuing_procedure": P + "birth-registration",
                        "issuing_procedure_title": "Register a birth", "issuing_institutions": I + "registry",
                        "cycle": "", "counted": "yes"}
    cycle = rows_of(client.get("/analysis/tree/residence-card?format=csv"))
    assert [r["cycle"] for r in cycle] == ["", "yes"]
    page = client.get("/analysis/tree/residence-card?lang=en").data.decode()
    assert "Cycles found:" in page and "cycle: this procedure is already on the chain above" in page
    assert client.get("/analysis/tree/nothing-here").status_code == 404
    assert client.get("/analysis/tree/Bad_Slug").status_code == 404


def test_procedure_page_shows_the_tree_only_when_there_is_a_chain(client):
    page = client.get("/id/procedure/business-licence?lang=en").data.decode()
    assert "Prerequisites, step by step" in page and "at least <strong>265,000 BIF</strong>" in page
    assert 'href="/analysis/tree/business-licence"' in page
    assert "Prerequisites, step by step" not in client.get("/id/procedure/birth-registration?lang=en").data.decode()
    french = client.get("/id/procedure/business-licence?lang=fr").data.decode()
    assert "Préalables, étape par étape" in french and "au moins" in french


def test_costs_page_and_csv(client):
    page = client.get("/analysis/costs?lang=en").data.decode()
    assert "<caption>6 procedures with prerequisites</caption>" in page and '<th scope="col">' in page
    rows = rows_of(client.get("/analysis/costs?format=csv"))
    assert [r["procedure"].removeprefix(P) for r in rows] == [
        "business-licence", "tax-number", "passport", "residence-card", "statutes-filing", "work-permit"]
    licence = rows[0]
    assert (licence["chain_steps"], licence["fee_BIF"], licence["fee_USD"], licence["fee_at_least"],
            licence["procedures_without_fee"], licence["days"], licence["procedures_without_time"]) == (
        "3", "265000", "20", "yes", "tax-number", "35", "birth-registration")
    assert licence["longest_chain"] == "business-licence > tax-number > passport > birth-registration"
    assert rows[3]["cycles"] == "residence-card > work-permit > residence-card" and rows[3]["days"] == "375"


def test_dependency_map_page_svg_and_csv(client):
    page = client.get("/analysis/dependencies?lang=en").data.decode()
    assert 'role="img"' in page and 'aria-labelledby="map-title map-desc"' in page
    assert '<title id="map-title">Cross-ministry dependency map</title>' in page and '<desc id="map-desc">' in page
    assert "7 dependencies between 5 issuing and 4 requiring institutions." in page
    assert page.count('marker-end="url(#arrow)"') == 7 and "<caption>" in page and 'scope="col"' in page
    rows = rows_of(client.get("/analysis/dependencies?format=csv&lang=en"))
    assert (rows[0]["issuer_name"], rows[0]["requirer_name"], rows[0]["procedures"]) == (
        "Civil registry", "Trade ministry", "2")
    top = rows_of(client.get("/analysis/dependencies?level=top&format=csv"))
    assert len(top) == 5
    assert "Rolled up to top-level institutions" in client.get("/analysis/dependencies?level=top&lang=en").data.decode()
    assert client.get("/analysis/dependencies?level=galaxy").status_code == 400


def test_once_only_page_and_csv(client):
    page = client.get("/analysis/once-only?lang=en").data.decode()
    assert "<caption>6 documents carried between institutions</caption>" in page
    rows = rows_of(client.get("/analysis/once-only?format=csv&lang=en"))
    assert rows[0]["document_title"] == "Birth certificate" and rows[0]["procedures"] == "3"
    assert rows[0]["requiring_institutions"] == f"{I}police {I}trade-ministry"
    assert [r["procedures"] for r in rows] == ["3", "1", "1", "1", "1", "1"]


def test_quality_dashboard_sorting_gaps_and_csv(client):
    response = client.get("/analysis/quality?lang=en")
    page = response.data.decode()
    assert response.status_code == 200
    assert "0 violations" in page and "24 quality warnings" in page
    assert 'aria-sort="ascending"' in page and "since 2025-12-01" in page
    assert 'href="/analysis/quality/trade-ministry?missing=fee"' in page
    assert 'href="/analysis/quality?sort=fee&amp;order=desc"' in page
    sorted_page = client.get("/analysis/quality?sort=warnings&order=desc&lang=en").data.decode()
    assert 'aria-sort="descending"' in sorted_page
    assert 'href="/analysis/quality?sort=warnings&amp;order=asc"' in sorted_page
    rows = rows_of(client.get("/analysis/quality?format=csv&sort=warnings&order=desc"))
    assert [(r["institution"].removeprefix(I), r["warnings"]) for r in rows] == [
        ("trade-ministry", "7"), ("police", "6"), ("registry", "4"), ("labour", "3"), ("notaries", "3"),
        ("tax-office", "1")]
    trade = rows[0]
    assert (trade["procedures"], trade["fee_percent"], trade["recently_checked_percent"], trade["score_percent"],
            trade["missing_fee"]) == ("2", "50.0", "50.0", "50.0", P + "statutes-filing")
    gaps = client.get("/analysis/quality/trade-ministry?missing=fee&lang=en").data.decode()
    assert 'href="/id/procedure/statutes-filing"' in gaps and 'href="/id/procedure/business-licence"' not in gaps
    assert "procedure/statutes-filing.yaml" in gaps  # the build's warnings, with their file
    every = client.get("/analysis/quality/trade-ministry?lang=en").data.decode()
    assert 'href="/id/procedure/business-licence"' in every
    assert client.get("/analysis/quality/trade-ministry?missing=colour").status_code == 400
    assert client.get("/analysis/quality/nobody").status_code == 404


def test_quality_page_without_a_quality_report(client, chains):
    (current_build(chains) / "quality.json").unlink()
    page = client.get("/analysis/quality?lang=en").data.decode()
    assert "has no quality report" in page and "<td class=\"number\">—</td>" in page


def test_pages_in_french(client):
    page = client.get("/analysis/quality?lang=fr").data.decode()
    assert "Tableau de bord de la qualité des données" in page and "Titre en kirundi" in page
    assert "Carte des dépendances entre ministères" in client.get("/analysis/dependencies?lang=fr").data.decode()


# --- charts, their data and the pages' explanations --------------------------------------------

ANALYSIS_PAGES = ("/analysis", "/analysis/institutions", "/analysis/tree/business-licence", "/analysis/costs",
                  "/analysis/dependencies", "/analysis/once-only", "/analysis/quality",
                  "/analysis/quality/trade-ministry")


def _explanation(page: str) -> str:
    found = re.findall(r'<p class="explain">(.*?)</p>', page, re.S)
    assert len(found) == 1, "one explanation opens the page"
    return found[0]


def test_institutions_page_charts_table_and_csv(client):
    page = client.get("/analysis/institutions?lang=en").data.decode()
    assert "<h1>Institutions at a glance</h1>" in page
    assert "<title>Procedures and documents per institution</title>" in page
    assert "<title>Fees by institution and currency</title>" in page
    assert page.count('<figure class="chart">') == 2 and 'href="#institutions"' in page and 'id="institutions"' in page
    assert page.count('href="/analysis/institutions?format=csv"') == 2
    for name in (inst.ACTIVITY_QUERY, inst.FEES_QUERY):
        assert escape(workbench_responses_query(client, name)) in page
    assert "30,000 – 50,000" in page and "<caption>6 institutions competent for procedures</caption>" in page
    assert 'href="/analysis/institutions"' in client.get("/analysis?lang=en").data.decode()
    rows = {r["institution"].removeprefix(I): r for r in rows_of(client.get("/analysis/institutions?format=csv"))}
    trade = rows["trade-ministry"]
    assert (trade["procedures"], trade["documents_required"], trade["documents_issued"]) == ("2", "4", "2")
    assert (trade["fee_BIF_procedures"], trade["fee_BIF_lowest"], trade["fee_BIF_highest"]) == ("1", "30000", "50000")
    assert (rows["labour"]["fee_USD_lowest"], rows["labour"]["fee_BIF_lowest"]) == ("50", "")
    assert rows["tax-office"]["fee_BIF_procedures"] == rows["tax-office"]["fee_USD_procedures"] == ""


def workbench_responses_query(client, name: str) -> str:
    with client.application.test_request_context():
        return workbench.query_href(name)


@pytest.mark.parametrize("path, table, titles, query", [
    ("/analysis/once-only", "carried", ["Documents carried between institutions"], oo.ONCE_ONLY_QUERY),
    ("/analysis/quality", "quality", ["Completeness per institution"], qa.QUALITY_QUERY),
    ("/analysis/quality/trade-ministry", "facts", ["Facts stated by each procedure"], qa.COMPLETENESS_QUERY),
    ("/analysis/dependencies", "dependencies", ["Dependencies between institutions"], dm.MAP_QUERY),
])
def test_charts_are_svg_images_with_their_table_csv_and_query(client, path, table, titles, query):
    page = client.get(f"{path}?lang=en").data.decode()
    figure = page[page.index('<figure class="chart">'):]
    figure = figure[:figure.index("</figure>")]
    assert figure.count('<svg role="img" aria-label=') == 1
    assert all(f"<title>{title}</title>" in figure for title in titles)
    assert f'href="#{table}"' in figure and f'id="{table}"' in page
    assert "format=csv" in figure and escape(workbench_responses_query(client, query)) in figure
    assert "<script" not in figure


def test_once_only_chart_ranks_the_most_carried_first(client):
    page = client.get("/analysis/once-only?lang=en").data.decode()
    svg = page[page.index('<figure class="chart">'):page.index("</figure>")]
    labels = re.findall(r'<text text-anchor="end"[^>]*>([^<]*)</text>', svg)
    assert "Birth certificate" in labels and labels.index("Birth certificate") == min(
        labels.index(name) for name in labels if not name.replace(",", "").isdigit())


def test_dependency_page_carries_the_network_for_the_script(client):
    page = client.get("/analysis/dependencies?lang=en").data.decode()
    data = json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>', page, re.S)[1])
    rows = rows_of(client.get("/analysis/dependencies?format=csv"))
    assert {n["id"] for n in data["nodes"]} == {r[k] for r in rows for k in ("issuer", "requirer")}
    assert sorted((e["source"], e["target"], e["weight"]) for e in data["edges"]) == sorted(
        (r["issuer"], r["requirer"], int(r["procedures"])) for r in rows)
    assert '<div id="network" class="network">' in page and 'aria-labelledby="map-title map-desc"' in page


def test_every_analysis_page_explains_itself_in_french_and_english(client):
    for path in ANALYSIS_PAGES:
        english = _explanation(client.get(f"{path}?lang=en").data.decode())
        french = _explanation(client.get(f"{path}?lang=fr").data.decode())
        assert english.startswith("This ") and not french.startswith("This "), path
        assert "SPARQL" not in english or path == "/analysis", "for analysts who do not know SPARQL"
        assert 2 <= english.count(". ") + english.count("? ") + 1 <= 5, path


# --- the SPARQL results table ------------------------------------------------------------------

def test_sparql_results_as_an_html_table(client):
    query = ("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?p ?t WHERE { "
             "?p a <http://purl.org/vocab/cpsv#PublicService> ; dct:title ?t FILTER(LANG(?t) = 'en') } ORDER BY ?p")
    response = client.get("/sparql", query_string={"query": query, "format": "html", "lang": "en"})
    page = response.data.decode()
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<caption>8 results</caption>" in page and '<th scope="col">p</th>' in page
    assert '<a href="/id/procedure/passport">Get a passport</a>' in page
    assert '<span lang="en">Get a passport</span>' in page
    assert "format=csv" in page
    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": "html", "lang": "en"})
    assert "Answer:" in ask.data.decode() and "<strong>yes</strong>" in ask.data.decode()
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", "format": "html",
                                                "lang": "en"})
    assert graph.status_code == 200 and "returns a graph" in graph.data.decode()
    bad = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x", "format": "html", "lang": "en"})
    assert bad.status_code == 400 and "Malformed query" in bad.data.decode()
    form = client.get("/sparql", headers={"Accept": "text/html"}).data.decode()
    assert '<option value="html">' in form and "format=html" in form


# --- the real catalogue ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from isoko.config import ROOT, Config
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("real-analysis") / "var")
    build(config)
    return config


def test_real_catalogue_pages_answer(real):
    client = create_app(real).test_client()
    for url in ("/analysis", "/analysis/costs", "/analysis/dependencies", "/analysis/dependencies?level=top",
                "/analysis/once-only", "/analysis/quality", "/analysis/quality?sort=fee&order=desc",
                "/analysis/tree/company-registration-one-stop-shop", "/analysis/costs?format=csv",
                "/analysis/quality?format=csv", "/id/procedure/ordinary-passport"):
        assert client.get(url + ("&" if "?" in url else "?") + "lang=en").status_code == 200, url
    # a business registration needs documents from civil status and, through the TIN, the tax office
    page = client.get("/analysis/tree/tax-identification-number?lang=en").data.decode()
    assert "Commune civil-status office" in page and "Burundi Revenue Authority" in page and "BIF" in page


def test_real_catalogue_quality_sums_match_the_documented_query(real):
    store = CurrentBuild(real).get().store
    since = qa.year_before(date.today())
    table = qa.quality_table(common.plain(store.select(qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), since))))
    aggregate = common.plain(store.select(qa.with_since(common.query_text(qa.QUALITY_QUERY), since)))
    assert len(aggregate) == len(table)
    scores = {e.institution: e.score for e in table}
    assert all(float(r["score"]) == pytest.approx(scores[r["institution"]]) for r in aggregate)


# --- the same numbers on every store -----------------------------------------------------------

@pytest.fixture(scope="module", params=STORES)
def published(request, tmp_path_factory):
    """The small catalogue with chains, built locally and published to a real Fuseki or oxigraph
    server: (embedded config, config served from the remote store)."""
    root = tmp_path_factory.mktemp(f"analysis-{request.param}")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    add_chains(config)
    build(config)
    with running_store(request.param, root / "store") as spec:
        publish_to(config, spec)
        yield config, dataclasses.replace(config, store_url=spec)


def _computed(store) -> dict:
    """Everything the workbench computes from one store, in comparable form."""
    since = qa.year_before(TODAY)
    results = {}
    for root in ("business-licence", "residence-card", "tax-number"):
        graph = graph_for(store, [P + root])
        tree = pq.prerequisite_tree(graph, P + root)
        cost = tc.true_cost(graph, tree)
        results[root] = (shape(tree.root), tree.cycles, tree.longest, cost.counted, cost.totals, cost.days,
                         cost.missing_fee, cost.missing_time, cost.alternatives, cost.several_tariffs)
    for level in ("institution", "top"):
        results[level] = [(e.issuer, e.requirer, e.procedures, e.documents) for e in dm.dependency_edges(
            common.plain(store.select(dm.with_level(common.query_text(dm.MAP_QUERY), level))))]
    results["once-only"] = oo.once_only(common.plain(store.select(common.query_text(oo.ONCE_ONLY_QUERY))))
    table = qa.quality_table(common.plain(store.select(qa.with_since(common.query_text(qa.COMPLETENESS_QUERY), since))))
    results["quality"] = [(e.institution, e.procedures, e.missing) for e in table]
    aggregate = common.plain(store.select(qa.with_since(common.query_text(qa.QUALITY_QUERY), since)))
    results["aggregate"] = sorted((r["institution"], round(float(r["score"]), 6)) for r in aggregate)
    return results


def test_same_numbers_on_a_remote_store(published, monkeypatch):
    embedded, remote = published
    assert _computed(CurrentBuild(remote).get().store) == _computed(CurrentBuild(embedded).get().store)
    monkeypatch.setattr(workbench, "today", lambda: TODAY)
    client = create_app(remote).test_client()
    page = client.get("/analysis/tree/business-licence?lang=en").data.decode()
    assert "at least <strong>265,000 BIF</strong>" in page and "at least <strong>35 days</strong>" in page
    quality = client.get("/analysis/quality?lang=en").data.decode()
    assert "24 quality warnings" in quality  # quality.json of the local copy of the published build


def test_quality_page_etag_changes_with_the_day(client, monkeypatch):
    first = client.get("/analysis/quality?lang=en")
    assert client.get("/analysis/quality?lang=en", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    monkeypatch.setattr(workbench, "today", lambda: date(2026, 12, 2))
    again = client.get("/analysis/quality?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "since 2025-12-02" in again.data.decode()
