"""The query page without JavaScript, in Debian's Chromium: an example's table from its link, its
permanent link made with the results page's button and showing the same table, a typed query's
chart; axe-core 0 violations on the results page with its chart and on the permanent link's page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page

from .conftest import assert_no_violations

CHART_QUERY = ('SELECT ?kind (COUNT(*) AS ?n) WHERE { ?s a ?c . BIND(REPLACE(STR(?c), "^.*[#/]", "") AS ?kind) } '
               "GROUP BY ?kind ORDER BY DESC(?n) ?kind LIMIT 8")


def _without_script(browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False,
                               locale="en-US").new_page()
    page.set_default_timeout(20_000)
    return page


def _table(page: Page) -> str:
    return page.locator("table.results").inner_text()


def _checked(browser: Browser, url: str, what: str) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
    page.goto(url)
    assert_no_violations(page, what)
    page.context.close()


def test_an_example_and_its_permanent_link_without_javascript(browser, site):
    page = _without_script(browser)
    page.goto(site + "/sparql?lang=en")
    page.locator("#fees-by-currency").get_by_role("link", name="table").click()
    assert "example=fees-by-currency" in page.url
    results = _table(page)
    assert "BIF" in results
    page.get_by_role("button", name="Permanent link").click()
    assert re.search(r"/q/[a-z2-7]{16}$", page.url), page.url
    assert _table(page) == results
    assert page.get_by_role("link", name=page.url).count() == 1  # the link itself, shown
    _checked(browser, page.url, "permanent link page")
    page.context.close()


def test_a_typed_query_drawn_as_a_chart_without_javascript(browser, site):
    page = _without_script(browser)
    page.goto(site + "/sparql?lang=en")
    page.get_by_label("Query").fill(CHART_QUERY)
    page.get_by_role("button", name="Run").click()
    page.get_by_role("link", name="Chart").click()
    assert "view=chart" in page.url
    assert page.locator("figure.chart svg[role=img]").count() == 1
    assert page.locator("table.results tbody tr").count() == 8  # the table stays beside the chart
    _checked(browser, page.url, "results page with a chart")
    page.context.close()
