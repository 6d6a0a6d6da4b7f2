"""The pages every browser test visits, in one place: add new pages (/search, /faq…) here."""

from __future__ import annotations

LANGUAGES = ("rn", "fr", "en")

# name -> path on the fixture catalogue (tests/fixtures/catalogue)
PAGES = {
    "home": "/",
    "procedure": "/id/procedure/passport",
    "institution": "/id/institution/police",
    "document": "/id/document/birth-certificate",
    "place": "/id/place/burundi",
    "sparql": "/sparql",
    "catalog": "/catalog",
}


def in_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"
