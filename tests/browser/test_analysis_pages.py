"""The analysis pages in headless Chromium, in French and English, with their scripts blocked (what a
reader without JavaScript gets) and when printed: the explanation and the server-drawn charts show,
and axe-core finds zero WCAG 2.1 AA violations."""

from __future__ import annotations

import pytest

from .conftest import assert_no_violations
from .pages import PAGES, in_language

ANALYSIS = {name: path for name, path in PAGES.items() if name.startswith("analysis")}
CASES = [pytest.param(path, language, id=f"{name}-{language}")
         for name, path in ANALYSIS.items() for language in ("fr", "en")]
CHARTED = {"analysis-institutions", "analysis-once-only", "analysis-quality", "analysis-quality-institution",
           "analysis-dependencies"}


def _without_scripts(page) -> None:
    page.route("**/*.js", lambda route: route.abort())


def _chart_sizes(page) -> list[dict]:
    return page.eval_on_selector_all("figure.chart svg[role=img]", """svgs => svgs.map(s => {
        const box = s.getBoundingClientRect();
        return {width: box.width, height: box.height, title: s.querySelector('title')?.textContent || ''};
    })""")


@pytest.mark.parametrize("path, language", CASES)
def test_analysis_page_without_scripts_explains_draws_and_is_accessible(page, site, path, language):
    _without_scripts(page)
    response = page.goto(site + in_language(path, language))
    assert response is not None and response.status == 200
    explanation = page.locator("main p.explain")
    assert explanation.count() == 1 and explanation.is_visible() and len(explanation.inner_text()) > 80
    charts = _chart_sizes(page)
    if path in {ANALYSIS[name] for name in CHARTED}:
        assert charts, f"no chart on {path}"
    assert all(c["width"] > 100 and c["height"] > 40 and c["title"] for c in charts), charts
    assert_no_violations(page, in_language(path, language))


def test_dependency_map_carries_its_network_data_and_prints_its_charts(page, site):
    _without_scripts(page)
    page.emulate_media(media="print")
    page.goto(site + "/analysis/dependencies?lang=en")
    data = page.eval_on_selector("#network-data", "el => JSON.parse(el.textContent)")
    assert data["nodes"] and data["edges"] and all(e["weight"] >= 1 for e in data["edges"])
    assert page.locator("#network svg[role=img]").is_visible()  # the drawn map stays without the script
    assert [c for c in _chart_sizes(page) if c["width"] > 100]
    assert_no_violations(page, "/analysis/dependencies (print)")
