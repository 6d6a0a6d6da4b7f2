"""The back office (issue 16): the whole flow on SQLite and on a real PostgreSQL, conflicts,
translations, audit and revert, field errors, hostile input, and the public site untouched."""

from __future__ import annotations

import gzip
import json
import urllib.parse

from sqlalchemy import select

from back_office.accounts import MAX_FAILURES, authenticate
from back_office.database import session_for
from back_office.models import AuditEntry, Draft
from loaders.build import current_build

from .office_helpers import BASE, HEADERS, change, form_of, logged_in, office, post, start_draft, token  # noqa: F401 (office: a fixture)

HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"


def _fee(config) -> str:
    return (config.data_dir / "procedure" / "passport.yaml").read_text()


def test_edit_review_publish(office):
    config, app = office
    editor, reviewer = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "police-reviewer@isoko.bi")
    draft = start_draft(editor, "procedure", "passport")
    answer = change(editor, draft, {"fee_amount__0": "250000", "fee_source__0": "https://example.org/decree-2026"},
                    comment="New fee from the 2026 decree")
    assert answer.status_code == 302
    assert "250000" not in _fee(config)  # nothing is published before review
    assert "Approve and publish" not in editor.get(BASE + draft).get_data(as_text=True)  # not their own
    review_page = reviewer.get(BASE + draft).get_data(as_text=True)
    answer = reviewer.post(BASE + draft + "/review", headers=HEADERS,
                           data={"action": "approve", "comment": "checked", "csrf_token": token(review_page)})
    assert answer.status_code == 302
    assert "amount: 250000" in _fee(config)
    public = app.test_client()
    assert "250,000" in public.get("/id/procedure/passport?lang=en").get_data(as_text=True)
    query = urllib.parse.quote('ASK { <https://data.isoko.bi/id/procedure/passport#fee-1> '
                               '<http://data.europa.eu/m8g/hasValue> ?v FILTER(?v = 250000) }')
    assert json.loads(public.get(f"/sparql?query={query}", headers={"Accept": "application/json"}).data)["boolean"]
    dump = gzip.open(current_build(config) / "dumps" / "catalogue.nq.gz").read().decode()
    assert '#fee-1> <http://data.europa.eu/m8g/hasValue> "250000"' in dump
    history = public.get("/id/procedure/passport/history?format=json&lang=en").get_json()
    assert "fee: 235,000 BIF → 250,000 BIF" in history["versions"][0]["changes"]
    with session_for(config.database_url) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "published")).one()
        assert entry.user.email == "police-editor@isoko.bi" and "New fee from the 2026 decree" in entry.comment
        assert "amount: 235000" in entry.before and "amount: 250000" in entry.after and entry.build_id


def test_nothing_unsourced_and_problems_next_to_their_field(office):
    config, app = office
    editor = logged_in(app, "police-editor@isoko.bi")
    draft = start_draft(editor, "procedure", "passport")
    answer = change(editor, draft, {"fee_amount__0": "250000", "title_fr": "", "requires": ["document/nothing"],
                                    "processing_time": "P5D"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="fee_source__0-error">a fee needs the date it was set or reported and the source' in page
    answer = change(editor, draft, {"fee_amount__0": "250000", "fee_source__0": "https://example.org/fee",
                                    "title_fr": "", "requires": ["document/nothing"]})
    page = answer.get_data(as_text=True)
    assert 'id="title_fr-error">title_fr: a French title is missing' in page
    assert 'id="requires-error">requires: `requires` names a document that is not in the catalogue' in page
    answer = change(editor, draft, {"fee_amount__0": "250000", "fee_source__0": "https://example.org/fee",
                                    "processing_time": "P5D"})
    assert 'id="change_source-error">processing_time changed: give the web address' in answer.get_data(as_text=True)
    answer = change(editor, draft, {"fee_amount__0": "250000", "fee_source__0": "https://example.org/fee",
                                    "processing_time": "P5D", "change_source": "https://example.org/delay"})
    assert answer.status_code == 302
    with session_for(config.database_url) as session:
        record = session.get(Draft, int(draft.rsplit("/", 1)[1])).record
    assert "https://example.org/delay" in record and "processing_time: P5D" in record


def test_a_second_editor_is_told_never_overwritten(office):
    config, app = office
    first, second = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "admin@isoko.bi")
    reviewer = logged_in(app, "police-reviewer@isoko.bi")
    one, two = start_draft(first, "procedure", "passport"), start_draft(second, "procedure", "passport")
    assert "Other drafts of this entity are in progress" in second.get(BASE + two).get_data(as_text=True)
    change(first, one, {"description_en": "Apply in person at the border police."})
    change(second, two, {"description_en": "Apply online."})
    assert post(reviewer, one + "/review", {"action": "approve"}, page=one).status_code == 302
    conflict = post(reviewer, two + "/review", {"action": "approve"}, page=two)
    page = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "Someone published a change of this entity" in page
    assert "police-editor" in page and "Apply in person at the border police." in _fee(config)


def test_a_translation_is_published_only_after_kirundi_review(office):
    config, app = office
    translator, kirundi = logged_in(app, "translator@isoko.bi"), logged_in(app, "kirundi-reviewer@isoko.bi")
    assert "birth-registration" in translator.get(BASE + "/office/translate").get_data(as_text=True)
    draft = start_draft(translator, "procedure", "birth-registration", translate=True)
    html = translator.get(BASE + draft).get_data(as_text=True)
    assert 'name="title_rn"' in html and 'id="f-title_fr"' not in html  # French shown, not editable
    assert change(translator, draft, {"title_rn": "Kwandikisha umwana"}).status_code == 302
    public = app.test_client()
    assert "Kwandikisha umwana" not in public.get("/id/procedure/birth-registration?lang=rn").get_data(as_text=True)
    assert post(logged_in(app, "police-reviewer@isoko.bi"), draft + "/review", {"action": "approve"},
                page="/office/").status_code == 403
    assert post(kirundi, draft + "/review", {"action": "approve"}, page=draft).status_code == 302
    text = (config.data_dir / "procedure" / "birth-registration.yaml").read_text()
    assert "Kwandikisha umwana" in text and "needs_review" not in text
    assert "Kwandikisha umwana" in public.get("/id/procedure/birth-registration?lang=rn").get_data(as_text=True)


def test_revert_goes_through_review(office):
    config, app = office
    editor, reviewer = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "police-reviewer@isoko.bi")
    draft = start_draft(editor, "procedure", "passport")
    change(editor, draft, {"description_en": "Changed by mistake."})
    post(reviewer, draft + "/review", {"action": "approve"}, page=draft)
    audit = editor.get(BASE + "/office/audit").get_data(as_text=True)
    assert "Changed by mistake" not in audit and "a test change" in audit
    with session_for(config.database_url) as session:
        number = session.scalars(select(AuditEntry.id).where(AuditEntry.action == "published")).one()
    revert = post(editor, f"/office/audit/{number}/revert", page="/office/audit")
    assert revert.status_code == 302
    change(editor, revert.headers["Location"], {}, comment="put back")
    post(reviewer, revert.headers["Location"] + "/review", {"action": "approve"}, page=revert.headers["Location"])
    assert "Apply in person." in _fee(config) and "Changed by mistake" not in _fee(config)


def test_a_failed_build_puts_the_file_back(office, monkeypatch):
    config, app = office
    editor, reviewer = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "police-reviewer@isoko.bi")
    draft = start_draft(editor, "procedure", "passport")
    change(editor, draft, {"description_en": "Never published."})
    before = _fee(config)

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr("back_office.drafts.build", broken)
    answer = post(reviewer, draft + "/review", {"action": "approve"}, page=draft)
    assert answer.status_code == 503 and "Publishing failed and nothing was changed: disk full" in answer.get_data(as_text=True)
    assert _fee(config) == before
    with session_for(config.database_url) as session:
        assert session.get(Draft, int(draft.rsplit("/", 1)[1])).state == "submitted"
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "published")).all() == []


def test_hostile_text_is_escaped_everywhere(office):
    config, app = office
    editor, reviewer = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "police-reviewer@isoko.bi")
    draft = start_draft(editor, "procedure", "passport")
    texts = [name for name in form_of(editor.get(BASE + draft).get_data(as_text=True))
             if name.rsplit("__", 1)[0].endswith(("_rn", "_fr", "_en"))]  # every text field, fees' included
    assert len(texts) >= 20
    fields = {name: HOSTILE for name in texts if not name.endswith("__1")}  # not the empty "add one" items
    answer = change(editor, draft, {**fields, "fee_source__0": "https://example.org/fee"}, comment=HOSTILE)
    assert answer.status_code == 302, answer.get_data(as_text=True)[-3000:]
    for page in (editor.get(BASE + draft), reviewer.get(BASE + "/office/"), reviewer.get(BASE + draft)):
        assert "<script>alert(1)" not in page.get_data(as_text=True) and "<img src=x" not in page.get_data(as_text=True)
    post(reviewer, draft + "/review", {"action": "approve", "comment": HOSTILE}, page=draft)
    for path in ("/id/procedure/passport?lang=en", "/id/procedure/passport/history?lang=en", "/feed.atom?lang=en"):
        body = app.test_client().get(path).get_data(as_text=True)
        assert HOSTILE not in body and "<script>alert(1)" not in body, path
    assert "<script>alert(1)" not in reviewer.get(BASE + "/office/audit").get_data(as_text=True)


def test_brute_force_is_throttled(office, database_url):
    config, app = office
    client = app.test_client()
    page = client.get(BASE + "/office/login").get_data(as_text=True)
    statuses = [client.post(BASE + "/office/login", headers=HEADERS, data={
        "email": "police-editor@isoko.bi", "password": f"guess-{n}", "csrf_token": token(page)}).status_code
        for n in range(12)]
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES and 429 in statuses
    with session_for(database_url) as session:  # the account is locked, even for the right password
        assert authenticate(session, "police-editor@isoko.bi", "correct-horse-battery") is None


def test_the_public_site_stays_cacheable_and_cookie_free(office):
    config, app = office
    editor = logged_in(app, "police-editor@isoko.bi")
    cookie = editor.get_cookie("session", domain="localhost", path="/office")
    assert cookie is not None and cookie.secure and cookie.http_only
    public = app.test_client().get("/id/procedure/passport")
    assert "Set-Cookie" not in public.headers and public.headers["Cache-Control"].startswith("public")
    office_page = editor.get(BASE + "/office/")
    assert office_page.headers["Cache-Control"] == "no-store"
    assert "script-src 'none'" in office_page.headers["Content-Security-Policy"]
