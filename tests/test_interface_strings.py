"""Interface strings translated like the catalogue (issue 16): a translator proposes Kirundi for a
string, it is not shown until a Kirundi reviewer (not the author) approves it; then the Kirundi
catalogue holds it with a comment naming the reviewer, and the running site shows it."""

from __future__ import annotations

import dataclasses
import shutil

from babel.messages.pofile import read_po

from back_office.interface_strings import REVIEWED
from isoko.app import create_app
from isoko.config import ROOT
from loaders.build import build

from .office_helpers import BASE, logged_in, post, with_people

STRING = "Sections"  # the label of the site's section links, not translated into Kirundi today
KIRUNDI = "Ibice vy'urubuga (test)"


def test_a_proposal_is_shown_only_after_review(config, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr("browser_ui.i18n.RELOAD_CHECK_SECONDS", 0.0)  # look for a new .mo at every call
    shutil.copytree(ROOT / "browser_ui" / "translations", tmp_path / "translations")  # never the repository's
    build(config)
    config = dataclasses.replace(with_people(config, database_url), translations_dir=tmp_path / "translations")
    app = create_app(config)
    reader = app.test_client()
    assert KIRUNDI not in reader.get("/?lang=rn").get_data(as_text=True)
    translator = logged_in(app, "translator@isoko.bi")
    page = translator.get(BASE + "/office/translate/interface").get_data(as_text=True)
    assert f'name="msgid" value="{STRING}"' in page
    assert post(translator, "/office/translate/interface", {"msgid": STRING, "text": KIRUNDI},
                page="/office/translate/interface").status_code == 302
    assert post(translator, "/office/translate/interface", {"msgid": "not a string", "text": "x"},
                page="/office/translate/interface").status_code == 422
    assert KIRUNDI not in reader.get("/?lang=rn").get_data(as_text=True)
    police = logged_in(app, "police-reviewer@isoko.bi")
    assert police.get(BASE + "/office/translate/interface/review").status_code == 403
    kirundi = logged_in(app, "kirundi-reviewer@isoko.bi")
    review = kirundi.get(BASE + "/office/translate/interface/review").get_data(as_text=True)
    assert KIRUNDI.replace("'", "&#39;") in review
    number = review.split('name="proposal" value="')[1].split('"')[0]
    assert post(kirundi, "/office/translate/interface/review", {"proposal": number, "action": "approve"},
                page="/office/translate/interface/review").status_code == 302
    with open(tmp_path / "translations" / "rn" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        message = read_po(handle).get(STRING)
    assert message.string == KIRUNDI
    assert any(c.startswith(f"{REVIEWED} kirundi-reviewer <kirundi-reviewer@isoko.bi>") for c in message.user_comments)
    assert KIRUNDI in reader.get("/?lang=rn").get_data(as_text=True)
    assert (ROOT / "browser_ui" / "translations" / "rn" / "LC_MESSAGES" / "messages.po").read_text().count(KIRUNDI) == 0
