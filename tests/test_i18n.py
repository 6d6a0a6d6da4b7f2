"""UI translations: French complete, Kirundi only from attested words, French as Kirundi's fallback."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from back_office.interface_strings import REVIEWED
from isoko.app import create_app
from isoko.config import ROOT

TRANSLATIONS = ROOT / "browser_ui" / "translations"
KIRUNDI_TERMS = ROOT / "reference" / "kirundi-terms.yaml"


def ui_messages() -> set[str]:
    found = set()
    for folder in ("browser_ui", "sparql_endpoint", "back_office"):
        for _, _, message, _, _ in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
                keywords={"_": None, "_n": None, "gettext": None, "ngettext": (1, 2)}):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(lang: str):
    return read_po(open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb"))


def test_every_ui_string_has_a_french_translation():
    french = {m.id[0] if isinstance(m.id, tuple) else m.id: m.string for m in catalogue("fr") if m.id}
    missing = sorted(m for m in ui_messages() if not french.get(m))
    assert missing == [], f"add these to browser_ui/translations/fr/LC_MESSAGES/messages.po: {missing}"


def test_kirundi_translations_are_attested_words():
    attested = KIRUNDI_TERMS.read_text(encoding="utf-8").casefold()
    for message in catalogue("rn"):
        if any(c.startswith(REVIEWED) for c in message.user_comments):
            continue  # approved by a Kirundi reviewer in the back office: the comment says who and when
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings if message.id else ():
            assert not string or string.casefold() in attested, f"{string!r} is not in kirundi-terms.yaml"


@pytest.fixture
def client(built):
    return create_app(built).test_client()


def test_pages_in_each_language_with_french_fallback_for_kirundi(client):
    english = client.get("/id/procedure/passport?lang=en").data.decode()
    french = client.get("/id/procedure/passport?lang=fr").data.decode()
    kirundi = client.get("/id/procedure/passport?lang=rn").data.decode()
    assert "What to bring" in english and "Pièces à fournir" in french
    assert "Amafaranga" in kirundi  # attested Kirundi for "fees"
    assert "Pièces à fournir" in kirundi and "What to bring" not in kirundi
    assert '<html lang="rn">' in kirundi


def test_language_from_accept_language_and_remembered(client):
    page = client.get("/", headers={"Accept-Language": "fr-BI,fr;q=0.9,en;q=0.5"}).data.decode()
    assert '<html lang="fr">' in page
    client.get("/?lang=en")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr"}).data.decode()
    assert '<html lang="rn">' in create_app(client.application.config["ISOKO"]).test_client().get("/").data.decode()
