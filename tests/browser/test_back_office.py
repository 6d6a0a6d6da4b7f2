"""The back office driven as people would, in Debian's Chromium against a real `isoko serve`: an
editor of the police changes a fee with its source and submits it, a reviewer approves, the public
page, SPARQL, the dumps and the history show the new fee, the registry's editor gets 403 on that
draft, and a translator's Kirundi title appears only after a Kirundi reviewer approved it. Every
back-office page visited has zero axe-core violations."""

from __future__ import annotations

import gzip
import json
import shutil
import urllib.parse
import urllib.request
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from isoko.config import Config
from loaders.build import build, current_build
from tests.conftest import FIXTURE
from tests.office_helpers import PASSWORD, with_people
from tests.server import running_server

from .conftest import DESKTOP, assert_no_violations


@pytest.fixture(scope="module")
def office_site(tmp_path_factory) -> Iterator[tuple[str, Config]]:
    root = tmp_path_factory.mktemp("office-site")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    build(config)
    url = f"sqlite:///{root / 'var' / 'back-office.sqlite'}"
    config = with_people(config, url)
    with running_server(config, workers=1, settings={"ISOKO_DATABASE_URL": url}) as site:
        yield site, config


def person(browser: Browser, site: str, email: str) -> Page:
    page = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()  # axe-core is injected
    page.set_default_timeout(20_000)
    page.goto(site + "/office/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site + "/office/")
    return page


def test_a_fee_changed_reviewed_and_published(browser, office_site):
    site, config = office_site
    editor = person(browser, site, "police-editor@isoko.bi")
    assert_no_violations(editor, "dashboard")
    editor.get_by_role("link", name="Get a passport").click()
    editor.get_by_role("button", name="Start a draft").click()
    assert "/office/drafts/" in editor.url
    assert_no_violations(editor, "draft form")
    draft = editor.url
    editor.locator("#f-fee_amount__0").fill("250000")
    editor.get_by_role("button", name="Save and send for review").click()
    assert "a fee needs the date it was set or reported and the source" in editor.content()  # next to its field
    editor.locator("#f-fee_source__0").fill("https://example.org/decree-2026")
    editor.get_by_label("Why this change").fill("New fee from the 2026 decree")
    editor.get_by_role("button", name="Save and send for review").click()
    assert "submitted" in editor.locator("h1").inner_text()

    other = person(browser, site, "registry-editor@isoko.bi")
    assert other.goto(draft).status == 403

    reviewer = person(browser, site, "police-reviewer@isoko.bi")
    reviewer.get_by_role("link", name="procedure/passport").click()
    assert_no_violations(reviewer, "review")
    reviewer.get_by_role("button", name="Approve and publish").click()
    assert "published" in reviewer.locator("h1").inner_text()

    public = browser.new_context(viewport=DESKTOP).new_page()
    public.goto(site + "/id/procedure/passport?lang=en")
    assert "250,000" in public.content()
    query = urllib.parse.quote("ASK { ?fee <http://data.europa.eu/m8g/hasValue> ?v FILTER(?v = 250000) }")
    with urllib.request.urlopen(f"{site}/sparql?query={query}&format=json", timeout=30) as answer:
        assert json.loads(answer.read())["boolean"] is True
    dump = gzip.open(current_build(config) / "dumps" / "catalogue.nq.gz").read().decode()
    assert '"250000"^^<http://www.w3.org/2001/XMLSchema#double>' in dump
    public.goto(site + "/id/procedure/passport/history?lang=en")
    assert "fee: 235,000 BIF → 250,000 BIF" in public.content()


def test_kirundi_appears_only_after_review(browser, office_site):
    site, _ = office_site
    translator = person(browser, site, "translator@isoko.bi")
    translator.goto(site + "/office/translate")
    assert_no_violations(translator, "translation list")
    translator.get_by_role("link", name="Register a birth").click()
    translator.get_by_role("button", name="Propose Kirundi texts").click()
    translator.locator("#f-title_rn").fill("Kwandikisha ivuka")
    translator.get_by_role("button", name="Save and send for review").click()
    public = browser.new_context(viewport=DESKTOP).new_page()
    public.goto(site + "/id/procedure/birth-registration?lang=rn")
    assert "Kwandikisha ivuka" not in public.content()
    kirundi = person(browser, site, "kirundi-reviewer@isoko.bi")
    kirundi.get_by_role("link", name="procedure/birth-registration").click()
    kirundi.get_by_role("button", name="Approve and publish").click()
    public.goto(site + "/id/procedure/birth-registration?lang=rn")
    assert "Kwandikisha ivuka" in public.content()
