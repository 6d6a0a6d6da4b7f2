"""The citizen's two forms on a procedure page, with JavaScript off, in Debian's Chromium over the
real catalogue (the whole map): "where to go" from a colline's name to the office of its commune,
and "is something wrong or missing?" sent and thanked; axe-core 0 violations, no sideways
scrolling at 320 px."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from isoko.config import ROOT, Config
from loaders.build import build
from tests.server import running_server

from .conftest import assert_no_violations


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Iterator[str]:
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("real-site") / "var",
                             base_iri="https://data.isoko.bi/")
    build(config)
    with running_server(config, workers=1, settings={"ISOKO_SECURE_COOKIES": "0"}) as url:
        yield url


def without_script(browser: Browser, width: int = 1280) -> Page:
    page = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=False,
                               bypass_csp=True, locale="en-US").new_page()
    page.set_default_timeout(20_000)
    return page


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_where_to_go_from_a_colline_without_javascript(browser, real_site):
    page = without_script(browser, 320)
    page.goto(real_site + "/id/procedure/ordinary-passport?lang=en")
    page.get_by_label("Your commune, zone or colline").fill("muyinga")
    page.locator("section[aria-labelledby='where-from'] button[type=submit]").click()
    assert "/where?" in page.url
    fits(page)
    page.get_by_role("link", name="Muyinga", exact=False).first.click()
    assert "place=" in page.url
    content = page.content()
    assert content.index("In your commune") < content.index("/id/office/cgm-muyinga")
    fits(page)
    checked = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
    checked.goto(page.url)
    assert_no_violations(checked, "where page")


def test_feedback_without_javascript(browser, real_site):
    page = without_script(browser, 320)
    page.goto(real_site + "/id/procedure/ordinary-passport?lang=en")
    fits(page)
    page.get_by_label("What is wrong or missing").fill("The fee changed in 2026: please check.")
    page.get_by_role("button", name="Send").click()
    assert "Thank you" in page.content()
    fits(page)
    checked = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
    checked.goto(real_site + "/id/procedure/ordinary-passport?lang=en")
    assert_no_violations(checked, "procedure page with its two forms")
