"""YASGUI on /sparql (tools/workbench, served from sparql_endpoint/static/dist) in Debian's Chromium,
under the page's own Content-Security-Policy: it loads from our server only (any request to another
host fails the test), runs every example query, draws the chart (Vega) and network (Cytoscape)
views, keeps the query in the address so that the address reproduces the results, and passes
axe-core; without JavaScript the form and the server's table still work, within 30 KB.

A missing bundle fails these tests (run `make workbench`), never skips them."""

from __future__ import annotations

import json
from typing import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from sparql_endpoint.examples import examples
from sparql_endpoint.workbench_assets import manifest

from .conftest import DESKTOP, assert_no_violations

ACTIVE = ".tabPanel.active"
RESULTS_DRAWN = f"() => document.querySelector('{ACTIVE} .yasr_results')?.children.length > 0"
LIMIT = 30 * 1024


def example(name: str):
    return next(e for e in examples() if e.name == name)


@pytest.fixture(scope="module", autouse=True)
def bundle() -> dict[str, str]:
    built = manifest()
    if "workbench.js" not in built:
        pytest.fail("\n" + "#" * 78 + "\n# NO WORKBENCH BUNDLE in sparql_endpoint/static/dist: run `make workbench`\n"
                    "# (npm ci and node build.mjs in tools/workbench).\n" + "#" * 78, pytrace=False)
    return built


class Watched:
    """A page in a fresh context that enforces the site's CSP, refuses (and records) every request
    to another host, and records script errors and CSP refusals."""

    def __init__(self, browser: Browser, site: str, **options):
        self.host = urlsplit(site).netloc
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=DESKTOP, **options)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _route(self, route) -> None:
        address = urlsplit(route.request.url)
        if address.scheme in ("http", "https", "ws", "wss") and address.netloc != self.host:
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text}")

    def assert_clean(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def watched(browser, site) -> Iterator[Watched]:
    session = Watched(browser, site)
    yield session
    session.context.close()


def open_workbench(page: Page, site: str, path: str = "/sparql?lang=en") -> None:
    response = page.goto(site + path)
    assert response is not None and response.status == 200
    page.wait_for_selector(".yasgui .CodeMirror")
    page.wait_for_selector("#isoko-example")
    assert page.locator("form:has(#query)").is_hidden(), "the no-JavaScript form shows beside Yasgui"


def run_example(page: Page, name: str) -> dict:
    """Chooses an example, opens and runs it; returns the endpoint's answer (status, body)."""
    page.select_option("#isoko-example", name)
    with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql"
                              and r.request.resource_type == "fetch") as info:
        page.click(".isoko-examples button")
    answer = info.value
    page.wait_for_function(RESULTS_DRAWN)
    return {"status": answer.status, "body": answer.text()}


def table_rows(page: Page) -> list[str]:
    page.wait_for_selector(f"{ACTIVE} .yasr_results table tbody tr")
    return page.locator(f"{ACTIVE} .yasr_results table tbody tr").all_inner_texts()


def results(page: Page, site: str, query: str) -> dict:
    response = page.request.get(f"{site}/sparql?format=json&query={quote(query)}")
    assert response.ok
    return response.json()


def test_yasgui_loads_from_our_server_only_and_runs_every_example(watched, site):
    page = watched.page
    open_workbench(page, site)
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert scripts and all(urlsplit(src).netloc == watched.host for src in scripts)
    offered = page.eval_on_selector_all("#isoko-example option", "els => els.map(e => e.value).filter(Boolean)")
    assert offered == [e.name for e in examples()]
    for found in examples():
        answer = run_example(page, found.name)
        assert answer["status"] == 200, f"{found.name}: HTTP {answer['status']}: {answer['body'][:300]}"
        data = json.loads(answer["body"])
        assert "results" in data or "boolean" in data, found.name
        assert page.locator(f"{ACTIVE} .yasr .errorResult").count() == 0, found.name
        rows = len(data.get("results", {}).get("bindings", []))
        if rows:  # each row in the table (one page of it at most)
            assert len(table_rows(page)) == min(rows, 50), found.name
    watched.assert_clean()


def test_chart_view_draws_bars_and_a_pie_with_vega(watched, site):
    page = watched.page
    open_workbench(page, site)
    assert run_example(page, "fees-by-currency")["status"] == 200
    expected = len(results(page, site, example("fees-by-currency").body)["results"]["bindings"])
    assert expected > 0
    page.click(f"{ACTIVE} .yasr .select_chart")
    page.wait_for_selector(f"{ACTIVE} .isoko-chart svg .mark-rect path")
    assert page.locator(f"{ACTIVE} .isoko-chart svg .mark-rect path").count() == expected
    page.select_option("#isoko-chart-mark", "pie")
    page.wait_for_selector(f"{ACTIVE} .isoko-chart svg .mark-arc path")
    assert page.locator(f"{ACTIVE} .isoko-chart svg .mark-arc path").count() == expected
    watched.assert_clean()


def test_network_view_draws_the_dependency_map_with_cytoscape(watched, site):
    page = watched.page
    open_workbench(page, site)
    assert run_example(page, "dependency-map")["status"] == 200
    rows = results(page, site, example("dependency-map").body)["results"]["bindings"]
    institutions = {row[end]["value"] for row in rows for end in ("issuer", "requirer")}
    assert rows, "the fixture catalogue has no cross-institution dependency"
    page.click(f"{ACTIVE} .yasr .select_network")
    network = page.wait_for_selector(f"{ACTIVE} .isoko-network[data-nodes]")
    assert network.get_attribute("data-nodes") == str(len(institutions))
    assert network.get_attribute("data-edges") == str(len(rows))
    assert network.query_selector("canvas") is not None
    watched.assert_clean()


def test_the_address_carries_the_query_and_reproduces_its_results(watched, browser, site):
    page = watched.page
    open_workbench(page, site)
    chosen = example("procedures-per-life-event")
    run_example(page, chosen.name)
    rows = table_rows(page)
    assert rows
    assert parse_qs(urlsplit(page.url).query)["example_query"] == [chosen.body]
    again = Watched(browser, site)
    try:
        again.page.goto(page.url)
        again.page.wait_for_function(RESULTS_DRAWN)
        assert table_rows(again.page) == rows
        again.assert_clean()
    finally:
        again.context.close()
    watched.assert_clean()


def test_without_javascript_the_form_and_the_table_work_within_30_kb(browser, site):
    session = Watched(browser, site, java_script_enabled=False)
    try:
        page = session.page
        sizes: dict[str, int] = {}
        page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.ok else None)
        page.goto(site + "/sparql?lang=en")
        assert page.locator(".yasgui").count() == 0
        loaded = sum(sizes.values())
        assert loaded <= LIMIT, f"/sparql without JavaScript downloads {loaded} bytes: {sizes}"
        assert not any("/static/dist/" in address for address in sizes), sizes
        page.fill("#query", "SELECT ?s WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }")
        page.select_option("#format", "html")
        page.click("form:has(#query) button[type=submit]")
        page.wait_for_selector("table.results tbody tr")
        assert "query=" in page.url
        assert page.locator("table.results tbody tr").count() >= 1
        session.assert_clean()
    finally:
        session.context.close()


def test_no_axe_violations_on_sparql_with_yasgui_and_results(browser, site):
    session = Watched(browser, site, bypass_csp=True)  # axe is injected as an inline script
    try:
        page = session.page
        open_workbench(page, site)
        assert_no_violations(page, "/sparql with Yasgui")
        run_example(page, "fees-by-currency")
        table_rows(page)
        assert_no_violations(page, "/sparql with Yasgui and a results table")
        page.click(f"{ACTIVE} .yasr .select_chart")
        page.wait_for_selector(f"{ACTIVE} .isoko-chart svg")
        assert_no_violations(page, "/sparql with a chart")
    finally:
        session.context.close()


def test_the_bundle_is_hashed_immutable_and_only_on_sparql(watched, site, bundle):
    page = watched.page
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url) if "/static/dist/" in r.url else None)
    page.goto(site + "/?lang=en")
    assert not loaded, f"the home page loads the workbench: {loaded}"
    open_workbench(page, site)
    assert {urlsplit(address).path.rsplit("/", 1)[1] for address in loaded} >= {
        bundle["workbench.js"], bundle["workbench.css"]}
    for name in (bundle["workbench.js"], bundle["workbench.css"]):
        assert name.split(".")[0] in ("workbench",) and len(name.split(".")) == 3  # name.<hash>.ext
        response = page.request.get(f"{site}/static/dist/{name}")
        assert response.ok
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    watched.assert_clean()


def test_completion_offers_our_prefixes_classes_and_properties_only(watched, site):
    page = watched.page
    open_workbench(page, site)
    page.click(f"{ACTIVE} .CodeMirror-code[contenteditable]")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    hints = ".yasgui .CodeMirror-hints li"

    def complete(text: str) -> list[str]:
        page.keyboard.type(text)
        page.keyboard.press("Control+Space")
        page.wait_for_selector(hints)
        offered = page.locator(hints).all_inner_texts()
        page.keyboard.press("Enter")
        return offered

    assert complete("PREFIX cps") == ["cpsv: <http://purl.org/vocab/cpsv#>"]
    page.keyboard.press("Enter")
    assert complete("SELECT * WHERE { ?s a cpsv:PublicS") == ["cpsv:PublicService"]
    assert "dct:title" in complete(" ; dct:tit")  # and its PREFIX is added
    query = page.evaluate("isokoYasgui.getTab().getQuery()")
    assert "PREFIX dct: <http://purl.org/dc/terms/>" in query and "a cpsv:PublicService ; dct:title" in query
    watched.assert_clean()


def test_the_dependency_map_page_draws_its_network_with_cytoscape(watched, site):
    """network.js on /analysis/dependencies (under that page's CSP): #network-data drawn in #network
    in place of the server's SVG, whose title and description name the drawing."""
    page = watched.page
    page.goto(site + "/analysis/dependencies?lang=en")
    data = json.loads(page.text_content("script#network-data"))
    assert data["nodes"] and data["edges"]
    drawn = page.wait_for_selector("#network[data-nodes]")
    assert drawn.get_attribute("data-nodes") == str(len(data["nodes"]))
    assert drawn.get_attribute("data-edges") == str(len(data["edges"]))
    assert drawn.query_selector("canvas") is not None and drawn.query_selector("svg") is None
    assert drawn.get_attribute("role") == "img" and "dependency map" in drawn.get_attribute("aria-label")
    labels = page.evaluate("window.isokoNetwork.nodes().map(n => n.data('label')).sort()")
    assert labels == sorted(node["label"] for node in data["nodes"])
    watched.assert_clean()
