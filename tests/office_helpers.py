"""Helpers of the back-office tests: people with roles, logged-in clients, forms as a browser fills them."""

from __future__ import annotations

import dataclasses
import re

import pytest

from back_office.accounts import add_user, set_role
from back_office.database import session_for, upgrade
from isoko.app import create_app
from isoko.config import Config
from loaders.build import build

BASE = "https://localhost"  # the session cookie is Secure: the test client sends it over https only
HEADERS = {"Referer": BASE + "/office/"}  # Flask-WTF's strict HTTPS check wants a same-site Referer
PASSWORD = "correct-horse-battery"
PEOPLE = {  # email -> (roles as (institution, role)), administrator
    "admin@isoko.bi": ((), True),
    "police-editor@isoko.bi": ((("police", "editor"),), False),
    "police-reviewer@isoko.bi": ((("police", "reviewer"),), False),
    "registry-editor@isoko.bi": ((("registry", "editor"),), False),
    "registry-reviewer@isoko.bi": ((("registry", "reviewer"),), False),
    "translator@isoko.bi": ((("*", "translator"),), False),
    "kirundi-reviewer@isoko.bi": ((("*", "kirundi-reviewer"),), False),
}


def with_people(config: Config, database_url: str) -> Config:
    config = dataclasses.replace(config, database_url=database_url)
    upgrade(database_url)
    with session_for(database_url) as session:
        for email, (roles, admin) in PEOPLE.items():
            person = add_user(session, email, email.split("@")[0], PASSWORD, admin=admin)
            for institution, role in roles:
                set_role(session, person, institution, role)
    return config


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def logged_in(app, email: str):
    """A client logged in as `email`, reading English (the interface's source language)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(BASE + "/office/login").get_data(as_text=True)
    answer = client.post(BASE + "/office/login", headers=HEADERS,
                         data={"email": email, "password": PASSWORD, "csrf_token": token(page)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def post(client, path: str, data: dict | None = None, page: str | None = None):
    """POST as the page's form does: with the CSRF token of `page` (default: the dashboard)."""
    html = client.get(BASE + (page or "/office/")).get_data(as_text=True)
    return client.post(BASE + path, headers=HEADERS, data={**(data or {}), "csrf_token": token(html)})


def form_of(html: str) -> dict:
    """The values a browser would send for the draft form on `html` (selected options included)."""
    form: dict = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html))
    form.update(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    for name in re.findall(r'<select id="f-[^"]+" name="([^"]+)"', html):
        block = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        form[name] = re.findall(r'<option value="([^"]*)" selected>', block)
    for name, text in re.findall(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        form[name] = text
    form.pop("csrf_token", None)
    return {k: (v.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"') if isinstance(v, str) else v)
            for k, v in form.items()}


def start_draft(client, kind: str, slug: str, translate: bool = False) -> str:
    """The path of a new draft of kind/slug."""
    suffix = "?translate=1" if translate else ""
    answer = post(client, f"/office/entity/{kind}/{slug}{suffix}", page=f"/office/entity/{kind}/{slug}{suffix}")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def change(client, draft: str, changes: dict, action: str = "submit", comment: str = "a test change"):
    html = client.get(BASE + draft).get_data(as_text=True)
    form = {**form_of(html), **changes, "action": action, "comment": comment, "csrf_token": token(html)}
    return client.post(BASE + draft, headers=HEADERS, data=form)


@pytest.fixture
def office(config, database_url):
    """(config, app) over the fixture catalogue, built, with PEOPLE on `database_url`."""
    build(config)
    config = with_people(config, database_url)
    return config, create_app(config)

