"""The reader's language: `?lang=` (remembered in a cookie), then the cookie, then Accept-Language."""

from __future__ import annotations

import functools

from babel import Locale
from flask import current_app, request
from werkzeug.wrappers import Request

COOKIE = "lang"


def preferred_language() -> str:
    """The current request's language (worked out once: a page asks for it several times)."""
    language = getattr(request, "isoko_language", None)
    if language is None:
        language = request.isoko_language = resolve_language(request, current_app.config["ISOKO"].languages)
    return language


def resolve_language(asking: Request, languages: tuple[str, ...]) -> str:
    """`preferred_language` of any request, also outside Flask (the page cache's fast path)."""
    asked = asking.args.get("lang") or asking.cookies.get(COOKIE)
    if asked in languages:
        return asked
    return asking.accept_languages.best_match(languages) or languages[0]


def pick(texts: dict[str, str], language: str, order: tuple[str, ...]) -> tuple[str, str] | None:
    """The text in `language`, else the first of `order`, else any: (text, language it is in)."""
    for candidate in (language, *order):
        if candidate in texts:
            return texts[candidate], candidate
    if texts:
        lang = sorted(texts)[0]
        return texts[lang], lang
    return None


@functools.cache
def babel_locale(language: str) -> Locale:
    """`language` as Babel's Locale, parsed once (Babel parses a code at every call it is given)."""
    return Locale.parse(language)
