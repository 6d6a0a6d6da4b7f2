"""Translations resolved once per request (browser_ui/i18n.py) and the parts of base.html rendered
once per language (browser_ui/chrome.py): every request still gets its own language, Kirundi still
falls back to French, `force_locale` still switches, and a recompiled catalogue is still shown."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import threading

import flask_babel
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from isoko.app import create_app
from isoko.config import ROOT

# (the section links' label, the search button) in each language: Kirundi has "Search" (attested)
# but not "Sections", which falls back to French
EXPECTED = {"en": ("Sections", "Search"), "fr": ("Rubriques", "Rechercher"), "rn": ("Rubriques", "Rondera")}


def chrome(page: str) -> tuple[str, str, str]:
    """(<html lang>, the section links' label, the search button) of a page."""
    return (re.search(r'<html lang="(\w+)">', page)[1], re.search(r'<nav class="sections" aria-label="([^"]+)"', page)[1],
            re.search(r'<button type="submit">([^<]+)</button>\s*</form>', page)[1])


@pytest.fixture
def app(built):
    return create_app(built)


def test_each_request_in_its_own_language(app):
    client = app.test_client()
    for language in ["rn", "en", "fr", "rn", "fr", "en"]:
        page = client.get(f"/procedures?lang={language}").get_data(as_text=True)
        assert chrome(page) == (language, *EXPECTED[language])
    assert "Rubriques" not in client.get("/institutions", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_languages_at_once_in_threads(app):
    failures = []

    def reader(language: str) -> None:
        client = app.test_client()
        for _ in range(8):
            page = client.get("/faq", headers={"Accept-Language": language}).get_data(as_text=True)
            if chrome(page) != (language, *EXPECTED[language]):
                failures.append((language, chrome(page)))

    threads = [threading.Thread(target=reader, args=(language,)) for language in ["rn", "fr", "en"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_force_locale_and_refresh_within_a_request(app):
    with app.test_request_context("/?lang=rn"):
        app.preprocess_request()  # the French-fallback domain
        words = "{{ _('Sections') }}|{{ _('Search') }}|{{ _('%(n)s%% sure', n='<b>') }}"
        assert render_template_string(words) == "Rubriques|Rondera|&lt;b&gt;% sure"
        with flask_babel.force_locale("en"):
            assert render_template_string(words) == "Sections|Search|&lt;b&gt;% sure"
            assert flask_babel.gettext("Search") == "Search"
        assert render_template_string(words) == "Rubriques|Rondera|&lt;b&gt;% sure"
        flask_babel.refresh()
        assert flask_babel.gettext("Sections") == "Rubriques"


def test_a_recompiled_catalogue_is_shown(built, tmp_path, monkeypatch):
    monkeypatch.setattr("browser_ui.i18n.RELOAD_CHECK_SECONDS", 0.0)  # look for a new .mo at every request
    shutil.copytree(ROOT / "browser_ui" / "translations", tmp_path / "translations")
    app = create_app(dataclasses.replace(built, translations_dir=tmp_path / "translations"))
    client = app.test_client()
    before = client.get("/?lang=rn").get_data(as_text=True)
    assert chrome(before)[1] == "Rubriques" and '<span lang="rn">Fasha' not in before
    folder = tmp_path / "translations" / "rn" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    catalogue.get("Sections").string = "Ibice (test)"
    catalogue.add("How to help", "Fasha (test)")
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalogue)
    stat = os.stat(folder / "messages.mo")
    os.utime(folder / "messages.mo", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = client.get("/?lang=rn").get_data(as_text=True)
    assert chrome(after)[1] == "Ibice (test)"  # in the part rendered once per language
    assert '<span lang="rn">Fasha (test)</span>' in after  # the note under Kirundi pages, in every language
    assert chrome(client.get("/?lang=fr").get_data(as_text=True))[1] == "Rubriques"
