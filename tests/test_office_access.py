"""Every back-office route × every role: who gets in, who gets 403 (or the login page), and every
write refused without its CSRF token; on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from back_office.accounts import AccountError, add_user
from back_office.database import session_for
from isoko.app import create_app
from loaders.build import build

from .office_helpers import BASE, HEADERS, PEOPLE, change, logged_in, post, start_draft, with_people

ROLES = ("anonymous", *PEOPLE)
ADMIN, POLICE_EDITOR, POLICE_REVIEWER = "admin@isoko.bi", "police-editor@isoko.bi", "police-reviewer@isoko.bi"
REGISTRY_EDITOR, TRANSLATOR = "registry-editor@isoko.bi", "translator@isoko.bi"


def _allowed(*people: str) -> set[str]:
    return set(people)


EVERYONE = set(PEOPLE)
# (method, path, form, who may; the others get 403, anonymous the login page)
ROUTES = [
    ("GET", "/office/", None, EVERYONE),
    ("GET", "/office/entity/procedure/passport", None, _allowed(ADMIN, POLICE_EDITOR)),
    ("GET", "/office/entity/procedure/birth-registration", None, _allowed(ADMIN, REGISTRY_EDITOR)),
    ("GET", "/office/entity/procedure/passport?translate=1", None, _allowed(ADMIN, TRANSLATOR)),
    ("GET", "/office/entity/institution/police", None, _allowed(ADMIN, POLICE_EDITOR)),
    ("GET", "/office/entity/document/passport", None, _allowed(ADMIN, POLICE_EDITOR)),
    ("GET", "{police_draft}", None, _allowed(ADMIN, POLICE_EDITOR, POLICE_REVIEWER)),
    ("GET", "{registry_draft}", None, _allowed(ADMIN, REGISTRY_EDITOR, "registry-reviewer@isoko.bi")),
    ("GET", "/office/new/procedure", None, _allowed(ADMIN, POLICE_EDITOR, REGISTRY_EDITOR)),
    ("GET", "/office/translate", None, _allowed(ADMIN, TRANSLATOR)),
    ("GET", "/office/users", None, _allowed(ADMIN)),
    ("GET", "/office/audit", None, EVERYONE),
    ("GET", "/office/feedback", None, EVERYONE),  # each sees their institutions' messages
    ("GET", "/office/translate/interface", None, _allowed(ADMIN, TRANSLATOR)),
    ("GET", "/office/translate/interface/review", None, _allowed(ADMIN, "kirundi-reviewer@isoko.bi")),
    ("POST", "/office/translate/interface", {"msgid": "Sections", "text": "x"}, _allowed(ADMIN, TRANSLATOR)),
    ("POST", "/office/entity/procedure/passport", {}, _allowed(ADMIN, POLICE_EDITOR)),
    ("POST", "{police_draft}", {"action": "save"}, _allowed(POLICE_EDITOR)),  # the author only
    ("POST", "{police_draft}/review", {"action": "send-back", "comment": "no"}, _allowed(ADMIN, POLICE_REVIEWER)),
    ("POST", "{registry_draft}/review", {"action": "send-back", "comment": "no"},
     _allowed(ADMIN, "registry-reviewer@isoko.bi")),
    ("POST", "/office/new/procedure", {"slug": "a-new-one", "institution": "police"}, _allowed(ADMIN, POLICE_EDITOR)),
    ("POST", "/office/users", {"action": "add", "email": "x{n}@isoko.bi", "password": "long-enough-pw"},
     _allowed(ADMIN)),
]


def test_every_route_for_every_role(config, database_url):
    build(config)
    config = with_people(config, database_url)
    app = create_app(config)
    clients = {email: logged_in(app, email) for email in PEOPLE}
    drafts = {"police_draft": start_draft(clients[POLICE_EDITOR], "procedure", "passport"),
              "registry_draft": start_draft(clients[REGISTRY_EDITOR], "procedure", "birth-registration")}
    for name, author in (("police_draft", POLICE_EDITOR), ("registry_draft", REGISTRY_EDITOR)):
        assert change(clients[author], drafts[name], {}).status_code == 302  # submitted, so reviewable
    wrong = []
    for number, (method, path, form, allowed) in enumerate(ROUTES):
        path = path.format(**drafts)
        for role in ROLES:
            if role == "anonymous":
                client = app.test_client()
                answer = (client.get(BASE + path) if method == "GET"
                          else client.post(BASE + path, headers=HEADERS, data=form))
                ok = answer.status_code in (302, 400) and (method == "POST" or "/office/login" in answer.headers["Location"])
            else:
                client = clients[role]
                data = {k: v.format(n=number) for k, v in (form or {}).items()}
                answer = client.get(BASE + path) if method == "GET" else post(client, path, data)
                ok = (answer.status_code == 403) != (role in allowed) and answer.status_code < 500
            if not ok:
                wrong.append(f"{method} {path} as {role}: {answer.status_code}")
    assert wrong == []


def test_writes_without_the_csrf_token_are_refused(config, database_url):
    build(config)
    config = with_people(config, database_url)
    app = create_app(config)
    admin = logged_in(app, ADMIN)
    draft = start_draft(admin, "procedure", "passport")
    with session_for(config.database_url) as session:
        count = len(session.execute(text("SELECT id FROM users")).all())
    for path, form in ((draft, {"action": "save"}), (draft + "/review", {"action": "approve"}),
                       ("/office/users", {"action": "add", "email": "y@isoko.bi", "password": "long-enough-pw"}),
                       ("/office/entity/procedure/passport", {}), ("/office/logout", {}),
                       ("/office/login", {"email": ADMIN, "password": "correct-horse-battery"})):
        answer = admin.post(BASE + path, headers=HEADERS, data=form)
        assert answer.status_code == 400, (path, answer.status_code)
        assert b"CSRF" in answer.data
    with session_for(config.database_url) as session:
        assert len(session.execute(text("SELECT id FROM users")).all()) == count
    assert admin.get(BASE + "/office/").status_code == 200  # still logged in: the logout was refused too


def test_isoko_user_commands_make_the_first_administrator(config, database_url, tmp_path):
    from click.testing import CliRunner

    from isoko.cli import main
    env = {"ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir), "ISOKO_DATABASE_URL": database_url,
           "ISOKO_NEW_PASSWORD": "a-long-password"}
    runner = CliRunner()
    made = runner.invoke(main, ["user", "add", "First@Isoko.bi", "--admin"], env=env)
    assert made.exit_code == 0 and "first@isoko.bi created (administrator)" in made.output
    again = runner.invoke(main, ["user", "add", "first@isoko.bi"], env=env)
    assert again.exit_code == 1 and "already has an account" in again.output
    short = runner.invoke(main, ["user", "add", "second@isoko.bi"], env={**env, "ISOKO_NEW_PASSWORD": "short"})
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    role = runner.invoke(main, ["user", "role", "first@isoko.bi", "editor", "police"], env=env)
    assert role.exit_code == 0 and "editor of police given" in role.output
    missing = runner.invoke(main, ["user", "role", "nobody@isoko.bi", "editor", "police"], env=env)
    assert missing.exit_code == 1 and "isoko user add nobody@isoko.bi" in missing.output
    with session_for(database_url) as session, pytest.raises(AccountError, match="already has an account"):
        add_user(session, "First@isoko.bi", "", "a-long-password")  # the address is compared lowercased
