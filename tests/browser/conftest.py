"""Fixtures of the browser tests: Debian's headless Chromium (session), the real server on the
fixture catalogue (session), a fresh page per test, and the axe-core accessibility helpers.

Missing Chromium or axe-core makes every browser test fail, never skip: `make test` installs both.
"""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from isoko.config import Config
from loaders.build import build
from tests.conftest import FIXTURE
from tests.server import running_server

from .chromium import AXE, launch, missing

# WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = missing()
    if problem:
        pytest.fail("\n" + "#" * 78 + f"\n# {problem}\n" + "#" * 78, pytrace=False)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[str]:
    """Base URL of `isoko serve` over a build of the fixture catalogue in a temporary var/."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    build(config)
    with running_server(config, workers=1) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (no cookies), 1280x800, JavaScript on."""
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the loaded page: id, impact, help, helpUrl and the
    failing nodes (target selectors, html, failure summary)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
        }));
    }""", AXE_TAGS)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            for summary in (node.get("summary") or "").splitlines():
                lines.append(f"       {summary.strip()}")
    return "\n".join(lines)


def assert_no_violations(page: Page, where: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, (f"axe: {len(violations)} WCAG 2.1 AA violation(s) on {where or page.url}:\n"
                            + describe_violations(violations))
