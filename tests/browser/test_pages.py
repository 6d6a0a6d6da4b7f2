"""Every page type in every language, in headless Chromium: loads, is titled and headed, has the
right html lang, zero axe-core WCAG 2.1 AA violations, reflows at 320 px, works by keyboard and
without JavaScript. The pages are listed in tests/browser/pages.py."""

from __future__ import annotations

import pytest

from .conftest import assert_no_violations, axe_violations
from .pages import LANGUAGES, PAGES, in_language

CASES = [pytest.param(path, language, id=f"{name}-{language}")
         for name, path in PAGES.items() for language in LANGUAGES]

# What is focused now: its kind, link target, text, region, and whether a focus indicator shows.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'), text: el.textContent.trim(),
            hreflang: el.getAttribute('hreflang'), inMain: !!el.closest('main'),
            visible: outline || style.boxShadow !== 'none'};
}"""


def load(page, site: str, path: str, language: str) -> None:
    response = page.goto(site + in_language(path, language))
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"


@pytest.mark.parametrize("path, language", CASES)
def test_page_is_titled_headed_in_its_language_and_accessible(page, site, path, language):
    load(page, site, path, language)
    assert page.title().strip(), "empty <title>"
    assert page.locator("h1").count() >= 1, "no <h1>"
    assert page.locator("h1").first.inner_text().strip(), "empty <h1>"
    assert page.get_attribute("html", "lang") == language
    assert_no_violations(page, in_language(path, language))


@pytest.mark.parametrize("path, language", CASES)
def test_page_reflows_at_320_px(browser, site, path, language):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        load(page, site, path, language)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 320.5)
            .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                             + ' ' + (el.textContent || '').trim().slice(0, 40))""")
        assert width <= 320, f"scrolls horizontally at 320 px (scrollWidth {width}); too wide: {wide}"
    finally:
        context.close()


@pytest.mark.parametrize("path, language", CASES)
def test_keyboard_reaches_language_links_and_main_links_with_visible_focus(page, site, path, language):
    load(page, site, path, language)
    language_links = page.eval_on_selector_all("header nav a[hreflang]", "els => els.map(e => e.getAttribute('hreflang'))")
    main_links = page.eval_on_selector_all("main a[href]", "els => els.slice(0, 3).map(e => e.getAttribute('href'))")
    assert sorted(language_links) == sorted(set(LANGUAGES) - {language})
    wanted_languages, wanted_main = set(language_links), list(main_links)
    invisible = []
    for _ in range(60):
        if not wanted_languages and not wanted_main:
            break
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if not focused["visible"]:
            invisible.append(focused)
        wanted_languages.discard(focused["hreflang"])
        if focused["inMain"] and wanted_main and focused["href"] == wanted_main[0]:
            wanted_main.pop(0)
    assert not wanted_languages, f"Tab never reached the language links {wanted_languages}"
    assert not wanted_main, f"Tab never reached the main links {wanted_main}"
    assert not invisible, f"focus not visible on {invisible}"


def test_pages_work_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        assert page.goto(site + "/?lang=en").status == 200
        page.locator("main a[href^='/id/procedure/']").first.click()
        page.wait_for_load_state()
        assert "/id/procedure/" in page.url
        assert page.locator("h1").inner_text().strip()
        page.locator("header a.brand").click()
        page.wait_for_load_state()
        assert page.url.rstrip("/") == site
        assert page.locator("main a[href^='/id/procedure/']").count() >= 1
        page.go_back()
        assert "/id/procedure/" in page.url
    finally:
        context.close()


def test_axe_harness_reports_a_known_violation(page):
    """The accessibility check is not vacuous: axe runs and sees an image without alt text."""
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><h1>t</h1>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></html>')
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt"]
    assert violations[0]["impact"] == "critical" and violations[0]["nodes"][0]["target"] == ["img"]
