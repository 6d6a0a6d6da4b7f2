"""UI translations (Flask-Babel catalogues in browser_ui/translations/).

Kirundi strings are translated only where reference/kirundi-terms.yaml attests the words;
the others fall back to French (an official language every Kirundi reader of the portal reads),
never to an invented Kirundi text.

A request resolves its translations once (locale, domain, fallback, the check for a recompiled
catalogue) and keeps them where Flask-Babel's `refresh()` and `force_locale()` reset them; the
templates' `_()` reads them from there instead of through Flask-Babel's lookups at each string.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

from babel import Locale, support
from flask import Flask, g, has_app_context
from flask_babel import Babel, Domain, _get_current_context, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .language import babel_locale, preferred_language

RELOAD_CHECK_SECONDS = 2.0
_checked: dict[str, tuple[float, tuple]] = {}  # directory -> (when looked at, its catalogues' stamp)


def install(app: Flask, directory: str) -> None:
    """Flask-Babel with the reader's language and the French fallback; the templates' translation
    functions (`_`, `gettext`, `in_each_language`, `_n`)."""
    Babel(app, locale_selector=lambda: babel_locale(preferred_language()))
    app.before_request(FrenchFallbackDomain().as_default)
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext,
        in_each_language=lambda message: in_each_language(message, directory),
        _n=lambda message: message)  # marks a string for the catalogues, untranslated


class FrenchFallbackDomain(Domain):
    """Kirundi falls back to French; the catalogues are read again when a compiled one changes
    (the back office compiles approved Kirundi while the site serves)."""

    _stamp: tuple = ()

    def get_translations(self) -> support.NullTranslations:
        kept = _kept()
        if kept is None:
            context = _get_current_context()
            if context is None:
                return support.NullTranslations()
            kept = context.babel_translations = self._resolve()
        return kept

    def _resolve(self) -> support.NullTranslations:
        stamp = tuple(_stamp(directory) for directory in self.translation_directories)
        if stamp != self._stamp:
            self._stamp = stamp
            self.cache.clear()
        translations = super().get_translations()
        locale = get_locale()
        if locale is not None and str(locale) == "rn" and not getattr(translations, "isoko_fallback", False):
            for directory in self.translation_directories:
                translations.add_fallback(support.Translations.load(directory, [Locale("fr")]))
            translations.isoko_fallback = True
        return translations


def _kept() -> support.NullTranslations | None:
    """The request's translations once resolved, else None: Flask-Babel's `babel_translations` in
    its namespace on `g` (`_get_current_context`), which its `refresh()` and `force_locale()` reset."""
    return getattr(g.get("_flask_babel"), "babel_translations", None) if has_app_context() else None


def request_translations() -> support.NullTranslations:
    """The current request's translations: one object per language and version of the catalogues."""
    kept = _kept()
    return get_translations() if kept is None else kept


@pass_context
def template_gettext(context: Context, message: str, **variables: Any) -> str:
    """`_()` in templates, as Jinja's "newstyle" gettext: escaped, %-formatted (a text without
    variables and without "%" is the same after formatting)."""
    text = request_translations().ugettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


def in_each_language(message: str, directory: str) -> tuple[tuple[str, str], ...]:
    """(language, text) of an interface string in Kirundi (only when the catalogue has it), French
    and English: for the few lines a Kirundi page says in every language at once."""
    return _in_each_language(message, directory, _stamp(directory))


@functools.lru_cache(maxsize=64)
def _in_each_language(message: str, directory: str, stamp: tuple) -> tuple[tuple[str, str], ...]:
    found = []
    for language in ("rn", "fr"):
        text = _catalogue(directory, language, stamp).gettext(message)
        if text != message:
            found.append((language, text))
    return (*found, ("en", message))


@functools.lru_cache(maxsize=8)
def _catalogue(directory: str, language: str, stamp: tuple) -> support.Translations:
    """A compiled catalogue, read again only when one changes (`stamp` is part of the key)."""
    return support.Translations.load(directory, [Locale(language)])


def _stamp(directory: str) -> tuple:
    """The compiled catalogues under `directory` with their modification times, looked at again
    at most every RELOAD_CHECK_SECONDS."""
    now = time.monotonic()
    checked, stamp = _checked.get(directory, (float("-inf"), ()))
    if now - checked > RELOAD_CHECK_SECONDS:
        stamp = tuple(sorted((os.path.join(root, name), os.stat(os.path.join(root, name)).st_mtime_ns)
                             for root, _, names in os.walk(directory) for name in names if name.endswith(".mo")))
        _checked[directory] = (now, stamp)
    return stamp
