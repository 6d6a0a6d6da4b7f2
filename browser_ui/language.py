"""The reader's language: `?lang=` (remembered in a cookie), then the cookie, then Accept-Language."""

from __future__ import annotations

from flask import current_app, request

COOKIE = "lang"


def preferred_language() -> str:
    languages = current_app.config["ISOKO"].languages
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or languages[0]


def pick(texts: dict[str, str], language: str, order: tuple[str, ...]) -> tuple[str, str] | None:
    """The text in `language`, else the first of `order`, else any: (text, language it is in)."""
    for candidate in (language, *order):
        if candidate in texts:
            return texts[candidate], candidate
    if texts:
        lang = sorted(texts)[0]
        return texts[lang], lang
    return None
