"""Readers' feedback (issue 17): it reaches the competent institution's inbox and no other, the
abuse limits hold (100 submissions from one client, a honeypot, bad tokens, sizes), hostile text is
stored inert and never shown unescaped, and the public sees only counts. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from back_office.database import session_for
from back_office.feedback import MESSAGE_CHARS
from back_office.models import Feedback

from .office_helpers import BASE, logged_in, office, post  # noqa: F401 (office: a fixture)

HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"


def _send(client, fields: dict, slug: str = "passport", token: str | None = None):
    if token is None:
        page = client.get(f"/id/procedure/{slug}?lang=en").get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client.post(f"/feedback/procedure/{slug}", data={"token": token, **fields})


def _stored(config) -> list[Feedback]:
    with session_for(config.database_url) as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def test_feedback_reaches_its_institution_only(office):
    config, app = office
    reader = app.test_client()
    answer = _send(reader, {"message": "The fee is 250,000 BIF since 2026.", "contact": "reader@example.org"})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    [item] = _stored(config)
    served = json.loads((config.var_dir / "current" / "build.json").read_text())["id"]
    assert (item.institution, item.state, item.build_id) == ("police", "open", served)
    police, registry = logged_in(app, "police-editor@isoko.bi"), logged_in(app, "registry-editor@isoko.bi")
    assert "The fee is 250,000 BIF" in police.get(BASE + "/office/feedback").get_data(as_text=True)
    assert "The fee is 250,000 BIF" not in registry.get(BASE + "/office/feedback").get_data(as_text=True)
    assert registry.get(BASE + f"/office/feedback/{item.id}").status_code == 403
    detail = police.get(BASE + f"/office/feedback/{item.id}").get_data(as_text=True)
    assert "reader@example.org" in detail and item.build_id in detail
    public = reader.get("/feedback?format=json").get_json()
    assert public == {"institutions": {"police": {"open": 1, "closed": 0}}}
    assert "reader@example.org" not in reader.get("/feedback").get_data(as_text=True)
    closed = post(police, f"/office/feedback/{item.id}", {"answer": "Corrected, thank you."}, page=f"/office/feedback/{item.id}")
    assert closed.status_code == 302
    assert reader.get("/feedback?format=json").get_json()["institutions"]["police"] == {"open": 0, "closed": 1}


def test_a_hundred_submissions_from_one_client(office):
    config, app = office
    client = app.test_client()
    page = client.get("/id/procedure/passport?lang=en").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    statuses = [_send(client, {"message": f"message number {n}"}, token=token).status_code for n in range(100)]
    assert statuses.count(200) == 5 and statuses.count(429) == 95
    assert len(_stored(config)) == 5


def test_bots_forgeries_and_sizes_are_refused(office):
    config, app = office
    client = app.test_client()
    assert _send(client, {"message": "buy cheap pills now", "website": "http://spam.example"}).status_code == 200
    assert _send(client, {"message": "a message with no form"}, token="forged").status_code == 400
    assert _send(client, {"message": "x" * (MESSAGE_CHARS + 1)}).status_code == 400
    assert _send(client, {"message": "ok", "contact": "c" * 201}).status_code == 400
    other = app.test_client()  # another address: the first has used its 5 a minute
    other.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert other.post("/feedback/procedure/nothing", data={"message": "hello there"}).status_code == 404
    assert other.post("/feedback/institution/police", data={"message": "hello there"}).status_code == 404
    assert _stored(config) == []  # the honeypot's message was thanked, not kept


def test_hostile_text_is_kept_inert(office):
    config, app = office
    assert _send(app.test_client(), {"message": HOSTILE, "contact": HOSTILE}).status_code == 200
    [item] = _stored(config)
    assert item.message == HOSTILE and item.contact == HOSTILE  # stored as written, shown escaped
    police = logged_in(app, "police-editor@isoko.bi")
    for path in ("/office/feedback", f"/office/feedback/{item.id}"):
        body = police.get(BASE + path).get_data(as_text=True)
        assert "<script>alert(1)" not in body and "<img src=x" not in body
    with session_for(config.database_url) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 1
