"""The reader's language: `?lang=` (remembered in a cookie), then the cookie, then Accept-Language."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.wrappers import Request

COOKIE = "lang"


def preferred_language() -> str:
    return resolve_language(request, current_app.config["ISOKO"].languages)


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
