"""UI translations (Flask-Babel catalogues in browser_ui/translations/).

Kirundi strings are translated only where reference/kirundi-terms.yaml attests the words;
the others fall back to French (an official language every Kirundi reader of the portal reads),
never to an invented Kirundi text.
"""

from __future__ import annotations

import functools
import os
import time

from babel import Locale, support
from flask_babel import Domain, get_locale

RELOAD_CHECK_SECONDS = 2.0


class FrenchFallbackDomain(Domain):
    """Kirundi falls back to French; the catalogues are read again when a compiled one changes
    (the back office compiles approved Kirundi while the site serves)."""

    _checked = 0.0
    _stamp: tuple = ()

    def get_translations(self):
        now = time.monotonic()
        if now - self._checked > RELOAD_CHECK_SECONDS:
            self._checked = now
            stamp = tuple(os.stat(os.path.join(root, name)).st_mtime_ns
                          for directory in self.translation_directories
                          for root, _, names in os.walk(directory) for name in names if name.endswith(".mo"))
            if stamp != self._stamp:
                self._stamp = stamp
                self.cache.clear()
        return self._with_fallback()

    def _with_fallback(self):
        translations = super().get_translations()
        locale = get_locale()
        if locale is not None and str(locale) == "rn" and not getattr(translations, "isoko_fallback", False):
            for directory in self.translation_directories:
                translations.add_fallback(support.Translations.load(directory, [Locale("fr")]))
            translations.isoko_fallback = True
        return translations


def in_each_language(message: str, directory: str) -> list[tuple[str, str]]:
    """(language, text) of an interface string in Kirundi (only when the catalogue has it), French
    and English: for the few lines a Kirundi page says in every language at once."""
    found = []
    for language in ("rn", "fr"):
        text = _catalogue(directory, language, _mtime(directory, language)).gettext(message)
        if text != message:
            found.append((language, text))
    return found + [("en", message)]


def _mtime(directory: str, language: str) -> int:
    path = os.path.join(directory, language, "LC_MESSAGES", "messages.mo")
    return os.stat(path).st_mtime_ns if os.path.exists(path) else 0


@functools.lru_cache(maxsize=8)
def _catalogue(directory: str, language: str, mtime: int) -> support.Translations:
    """A compiled catalogue, read again only when it changes (`mtime` is part of the key)."""
    return support.Translations.load(directory, [Locale(language)])

