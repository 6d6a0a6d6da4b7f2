"""UI translations (Flask-Babel catalogues in browser_ui/translations/).

Kirundi strings are translated only where reference/kirundi-terms.yaml attests the words;
the others fall back to French (an official language every Kirundi reader of the portal reads),
never to an invented Kirundi text.
"""

from __future__ import annotations

from babel import Locale, support
from flask_babel import Domain, get_locale


class FrenchFallbackDomain(Domain):
    def get_translations(self):
        translations = super().get_translations()
        locale = get_locale()
        if locale is not None and str(locale) == "rn" and not getattr(translations, "isoko_fallback", False):
            for directory in self.translation_directories:
                translations.add_fallback(support.Translations.load(directory, [Locale("fr")]))
            translations.isoko_fallback = True
        return translations
