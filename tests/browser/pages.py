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
    "checklist": "/id/procedure/passport/checklist",
    "theme": "/id/theme/travel",
    "event": "/id/event/travelling-abroad",
    "procedures": "/procedures",
    "institutions": "/institutions",
    "faq": "/faq",
    "glossary": "/glossary",
    "places": "/places",
    "search": "/search?q=passeport",
    "analysis": "/analysis",
    "analysis-tree": "/analysis/tree/passport",
    "analysis-costs": "/analysis/costs",
    "analysis-dependencies": "/analysis/dependencies",
    "analysis-once-only": "/analysis/once-only",
    "analysis-quality": "/analysis/quality",
    "analysis-quality-institution": "/analysis/quality/police",
    "analysis-institutions": "/analysis/institutions",
    "history": "/id/procedure/passport/history",
    "translations": "/translations",
    "where": "/id/procedure/passport/where?q=burundi",
    "sparql-table": "/sparql?format=html&query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Chttp%3A%2F%2Fpurl.org%2Fvocab%2Fcpsv%23PublicService%3E%20%7D",
}


def in_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"
