"""Permanent links /q/<key> (issue 18, part 3): made from the results page's form (signed token) or
a script's body, content-addressed and idempotent, answering exactly what /sparql?query= answers
for every format, limited in size and rate. SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from back_office.database import session_for
from back_office.models import StoredQuery
from sparql_endpoint import permalinks
from sparql_endpoint.permalinks import CREATE_RATE, MAX_QUERY_CHARS, normalise, permalink_key

from .office_helpers import office  # noqa: F401 (a fixture)

SELECT = ('SELECT ?kind (COUNT(*) AS ?n) WHERE { ?s a ?c . BIND(REPLACE(STR(?c), "^.*[#/]", "") AS ?kind) }\n'
          "GROUP BY ?kind ORDER BY DESC(?n) ?kind LIMIT 10")
CONSTRUCT = "CONSTRUCT { ?s a ?c } WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> ; a ?c }"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
QUERY_BODY = "application/sparql-query"


@pytest.fixture
def site(office):  # noqa: F811
    config, app = office
    yield config, app
    executor = app.extensions.get("isoko.executor")
    if executor:
        executor.close()


def _keep(client, query: str):
    return client.post("/q", data=query.encode(), content_type=QUERY_BODY)


def _results_form(client, query: str) -> dict:
    """The fields of the "Permanent link" form on the results page of `query`, as a browser sends them."""
    page = client.get("/sparql", query_string={"query": query}, headers=BROWSER).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/q">(.*?)</form>', page, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    fields["query"] = fields["query"].replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<") \
        .replace("&gt;", ">").replace("&amp;", "&").replace("\n", "\r\n")  # a browser sends CRLF
    return fields


def _stored(config) -> list[StoredQuery]:
    with session_for(config.database_url) as session:
        return list(session.scalars(select(StoredQuery)))


def test_the_key_is_made_from_the_normalised_text():
    assert normalise("  SELECT *\r\nWHERE { ?s ?p ?o }\r\n\n") == "SELECT *\nWHERE { ?s ?p ?o }"
    assert permalink_key("SELECT *\r\nWHERE {}  ") == permalink_key("SELECT *\nWHERE {}")
    assert permalink_key("SELECT * WHERE {}") != permalink_key("SELECT  * WHERE {}")  # inner spaces count
    assert re.fullmatch(r"[a-z2-7]{16}", permalink_key("ASK {}"))


def test_the_results_page_form_makes_a_link_that_shows_the_same_results(site):
    config, app = site
    client = app.test_client()
    fields = _results_form(client, SELECT)
    made = client.post("/q", data=fields)
    assert made.status_code == 303
    location = made.headers["Location"]
    assert location.endswith("/q/" + permalink_key(SELECT))
    assert client.post("/q", data=fields).headers["Location"] == location  # idempotent
    [stored] = _stored(config)
    assert stored.text == normalise(SELECT)
    page = client.get(location, headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert location in html and f'href="{location}.rq"' in html and 'action="/q"' not in html
    direct = client.get("/sparql", query_string={"query": SELECT}, headers=BROWSER).get_data(as_text=True)
    table = re.compile(r"<table.*</table>", re.S)
    assert table.search(html).group() == table.search(direct).group() and "<td>" in html
    assert f'href="/q/{permalink_key(SELECT)}?format=csv"' in html  # its links keep to the short form


def test_scripts_make_links_from_a_body(site):
    config, app = site
    client = app.test_client()
    first, again = _keep(client, SELECT), _keep(client, SELECT + "\n\n")
    assert first.status_code == 201 and again.status_code == 200
    assert first.headers["Location"] == again.headers["Location"] == first.get_data(as_text=True).strip()
    assert len(_stored(config)) == 1


@pytest.mark.parametrize("query,formats", [
    (SELECT, ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
              "text/tab-separated-values"]),
    (CONSTRUCT, ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]),
])
def test_a_link_answers_byte_for_byte_what_the_endpoint_answers(site, query, formats):
    _config, app = site
    client = app.test_client()
    link = _keep(client, query).headers["Location"]
    for media_type in formats:
        through_link = client.get(link, headers={"Accept": media_type})
        direct = client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type})
        assert through_link.status_code == direct.status_code == 200, media_type
        assert through_link.mimetype == direct.mimetype == media_type
        assert through_link.data == direct.data and through_link.data, media_type
        assert through_link.headers["Cache-Control"] == direct.headers["Cache-Control"] == "public, max-age=60"
    by_format = client.get(link, query_string={"format": "csv" if query == SELECT else "nt"})
    direct = client.get("/sparql", query_string={"query": query, "format": "csv" if query == SELECT else "nt"})
    assert by_format.data == direct.data and by_format.mimetype == direct.mimetype


def test_the_query_text_is_immutable_and_unknown_links_are_404(site):
    _config, app = site
    client = app.test_client()
    link = _keep(client, SELECT).headers["Location"]
    text = client.get(link + ".rq")
    assert text.status_code == 200 and text.mimetype == QUERY_BODY
    assert text.get_data(as_text=True) == normalise(SELECT)
    assert text.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(link + ".rq", headers={"If-None-Match": text.headers["ETag"]}).status_code == 304
    unknown = client.get("/q/" + "a" * 16, headers=BROWSER)
    assert unknown.status_code == 404 and b"No query is kept under /q/aaaaaaaaaaaaaaaa" in unknown.data
    assert client.get("/q/" + "a" * 16 + ".rq").status_code == 404
    assert client.get("/q/short").status_code == 404


def test_forms_without_our_token_are_refused(site, monkeypatch):
    config, app = site
    client = app.test_client()
    fields = _results_form(client, SELECT)
    assert client.post("/q", data={"query": SELECT}).status_code == 400
    assert client.post("/q", data={"query": SELECT, "token": "forged"}).status_code == 400
    other = _results_form(client, "ASK {}")
    refused = client.post("/q", data={"query": SELECT, "token": other["token"]})
    assert refused.status_code == 400 and b"another query" in refused.data
    monkeypatch.setattr(permalinks, "FORM_DAYS", -1)
    expired = client.post("/q", data=fields)
    assert expired.status_code == 400 and b"too old" in expired.data
    assert _stored(config) == []


def test_sizes_and_empty_queries_are_refused(site):
    config, app = site
    client = app.test_client()
    longest = "ASK {}\n#" + "x" * (MAX_QUERY_CHARS - 8)
    assert len(longest) == MAX_QUERY_CHARS and _keep(client, longest).status_code == 201
    too_long = _keep(client, longest + "x")
    assert too_long.status_code == 413 and f"{MAX_QUERY_CHARS:,}".encode() in too_long.data
    assert _keep(client, "  \n").status_code == 400
    assert client.post("/q", data=b"ASK {}", content_type="text/plain").status_code == 415
    assert client.post("/q", data={"update": "DROP ALL"}).status_code == 403
    assert len(_stored(config)) == 1


def test_making_links_is_rate_limited(site):
    config, app = site
    client = app.test_client()
    per_minute = int(CREATE_RATE.split()[0])
    statuses = [_keep(client, f"ASK {{}} # {n}").status_code for n in range(per_minute + 5)]
    assert statuses.count(201) == per_minute and statuses.count(429) == 5
    assert len(_stored(config)) == per_minute
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert _keep(other, "ASK {}").status_code == 201


def test_a_link_shows_a_chart_of_a_two_column_result(site):
    with site[1].test_client() as client:
        link = _keep(client, SELECT).headers["Location"]
        page = client.get(link, query_string={"view": "chart"}, headers=BROWSER).get_data(as_text=True)
        assert '<figure class="chart"><svg role="img"' in page and "<table" in page
        pie = client.get(link, query_string={"view": "chart", "kind": "pie"}, headers=BROWSER).get_data(as_text=True)
        assert "<svg" in pie and pie != page
        plain = client.get(link, headers=BROWSER).get_data(as_text=True)
        assert "<svg" not in plain and f'href="/q/{permalink_key(SELECT)}?format=html&amp;view=chart' in plain



def test_a_browser_opening_a_query_link_gets_the_results_page(site):
    client = site[1].test_client()
    page = client.get("/sparql", query_string={"query": SELECT}, headers=BROWSER)
    assert page.mimetype == "text/html" and b"<table" in page.data
    for accept in ("*/*", "application/sparql-results+json, text/html;q=0.5", ""):
        answer = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
        assert answer.mimetype == "application/sparql-results+json", accept
