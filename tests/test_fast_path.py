"""The lean path of GET /sparql (sparql_endpoint/fast_path.py) answers exactly what the Flask view
answers: same status, headers and bytes, rate limits counted once and shared, everything unusual
left to the view."""

from __future__ import annotations

import dataclasses
import gzip
import urllib.parse

import pytest

from isoko.app import create_app
from sparql_endpoint import fast_path
from sparql_endpoint.fast_path import BYPASS

from .conftest import rebuild, write

SELECT = "SELECT ?s ?title WHERE { ?s <http://purl.org/dc/terms/title> ?title } ORDER BY ?s ?title"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
PER_REQUEST = ("Date", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")  # the clock's
CASES = [
    ("json", SELECT, {}, {"Accept": "application/sparql-results+json"}),
    ("csv-by-format", SELECT, {"format": "csv"}, {}),
    ("tsv-gzip", SELECT, {}, {"Accept": "text/tab-separated-values", "Accept-Encoding": "gzip"}),
    ("xml-gzip", SELECT, {"format": "xml"}, {"Accept-Encoding": "gzip, deflate"}),
    ("turtle", CONSTRUCT, {}, {"Accept": "text/turtle"}),
    ("jsonld-gzip", CONSTRUCT, {"format": "jsonld"}, {"Accept-Encoding": "gzip"}),
    ("no-accept", "ASK { ?s ?p ?o }", {}, {}),
    ("relative-iri", "SELECT ?x WHERE { BIND(<a/b> AS ?x) }", {}, {"Accept": "text/csv"}),
    ("graphs", SELECT, {"default-graph-uri": "https://data.isoko.bi/graph/procedures"}, {"Accept": "text/csv"}),
    ("406", SELECT, {}, {"Accept": "image/png"}),
    ("malformed", "SELECT * WHERE { ?s ?p }", {}, {}),
    ("service-refused", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", {}, {}),
]


@pytest.fixture
def app(built):
    return create_app(dataclasses.replace(built, result_cache_mb=0))


def _both(client, query: str, parameters: dict, headers: dict):
    url = "/sparql?" + urllib.parse.urlencode({"query": query, **parameters})
    return client.get(url, headers=headers), client.get(url, headers=headers, environ_overrides={BYPASS: True})


def _headers(response) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in response.headers.items() if name not in PER_REQUEST)


def _body(response) -> bytes:
    if response.headers.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.data)  # gzip's header holds the time: compare what it holds
    return response.data


@pytest.mark.parametrize("name,query,parameters,headers", CASES, ids=[case[0] for case in CASES])
def test_same_response_as_the_view(app, monkeypatch, name, query, parameters, headers):
    answered = []
    monkeypatch.setattr(fast_path.FastPath, "_finish", _recording(fast_path.FastPath._finish, answered))
    lean, view = _both(app.test_client(), query, parameters, headers)
    assert answered, "the lean path did not answer"
    assert lean.status_code == view.status_code
    assert _headers(lean) == _headers(view)
    assert _body(lean) == _body(view) and lean.data
    assert lean.headers["X-RateLimit-Limit"] == "20"


def _recording(finish, answered: list):
    def recorded(self, *arguments):
        answered.append(arguments[1].full_path)
        return finish(self, *arguments)
    return recorded


def test_conditional_requests_as_the_view(app):
    client = app.test_client()
    url = "/sparql?query=" + urllib.parse.quote(SELECT)
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        first = client.get(url, headers=headers)
        etag = first.headers["ETag"]
        assert etag.endswith(':gzip"') == bool(headers)
        lean, view = (client.get(url, headers={**headers, "If-None-Match": etag}, environ_overrides=environ)
                      for environ in ({}, {BYPASS: True}))
        assert lean.status_code == view.status_code == 304
        assert _headers(lean) == _headers(view)
        modified = client.get(url, headers={**headers, "If-Modified-Since": first.headers["Last-Modified"]})
        assert modified.status_code == 304


@pytest.mark.parametrize("url,headers", [
    ("/sparql", {}), ("/sparql", {"Accept": "text/html"}), ("/sparql?query=", {}),
    ("/sparql?query=ASK{}&query=ASK{}", {}), ("/sparql?update=CLEAR%20ALL", {}),
    ("/sparql?query=ASK{}&format=html", {}), ("/sparql?query=ASK{}", {"Accept": "text/html"}),
    ("/sparql?example=fees-by-currency", {}), ("/sparql?example=fees-by-currency&format=csv", {}),
])
def test_everything_else_is_the_views(app, monkeypatch, url, headers):
    monkeypatch.setattr(fast_path.FastPath, "_finish", lambda *arguments: pytest.fail("answered on the lean path"))
    assert app.test_client().get(url, headers=headers).status_code in (200, 400, 403)


def test_rate_limits_are_shared_with_the_view_and_refused_by_it(built):
    app = create_app(dataclasses.replace(built, result_cache_mb=0, sparql_rate="3 per minute"))
    client = app.test_client()
    url = "/sparql?query=" + urllib.parse.quote("ASK {}")
    remaining = [client.get(url, environ_overrides=environ).headers["X-RateLimit-Remaining"]
                 for environ in ({}, {BYPASS: True}, {})]
    assert remaining == ["2", "1", "0"]
    refused, refused_by_view = client.get(url), client.get(url, environ_overrides={BYPASS: True})
    assert refused.status_code == refused_by_view.status_code == 429
    assert refused.data == refused_by_view.data


# -- with the result cache on: a 200 made here is kept whole and the same request replayed from it

ANSWERED = [case for case in CASES if case[0] not in ("406", "malformed", "service-refused")]


@pytest.fixture
def cached_app(built):
    return create_app(dataclasses.replace(built, sparql_rate="1000 per second"))


def _replays(monkeypatch) -> list[str]:
    replayed: list[str] = []
    replay = fast_path.FastPath._replay

    def recorded(self, kept, client, environ, start_response):
        replayed.append(environ["QUERY_STRING"])
        return replay(self, kept, client, environ, start_response)

    monkeypatch.setattr(fast_path.FastPath, "_replay", recorded)
    return replayed


@pytest.mark.parametrize("name,query,parameters,headers", ANSWERED, ids=[case[0] for case in ANSWERED])
def test_a_kept_response_is_replayed_as_it_was_made(cached_app, monkeypatch, name, query, parameters, headers):
    replayed = _replays(monkeypatch)
    client = cached_app.test_client()
    first, view = _both(client, query, parameters, headers)
    again = _both(client, query, parameters, headers)[0]
    assert len(replayed) == 1, "the second request was not replayed"
    assert again.status_code == first.status_code == view.status_code == 200
    same_order = lambda response: [(k, "" if k in PER_REQUEST else v) for k, v in response.headers.items()]  # noqa: E731
    assert same_order(again) == same_order(first)  # the headers in the order they were sent
    assert again.data == first.data  # the very bytes (a gzip body too)
    assert _headers(again) == _headers(view) and _body(again) == _body(view)
    assert int(again.headers["X-RateLimit-Remaining"]) < int(first.headers["X-RateLimit-Remaining"])


def test_a_replayed_request_counts_against_the_rate_limit(built, monkeypatch):
    replayed = _replays(monkeypatch)
    client = create_app(dataclasses.replace(built, sparql_rate="3 per minute")).test_client()
    url = "/sparql?query=" + urllib.parse.quote("ASK {}")
    assert [client.get(url).headers["X-RateLimit-Remaining"] for _ in range(3)] == ["2", "1", "0"]
    assert len(replayed) == 2
    refused = client.get(url)
    assert refused.status_code == 429 and b"Too many requests" in refused.data


def test_conditional_requests_and_other_hosts_are_not_replayed_from_another_request(cached_app, monkeypatch):
    replayed = _replays(monkeypatch)
    client = cached_app.test_client()
    relative = "SELECT ?x ?title WHERE { BIND(<a/b> AS ?x) ?s <http://purl.org/dc/terms/title> ?title }"
    url = "/sparql?" + urllib.parse.urlencode({"query": relative, "format": "csv"})
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    elsewhere = client.get(url, base_url="https://mirror.example.org")
    assert b"https://mirror.example.org/a/b" in elsewhere.data and b"localhost" in first.data
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers.get("Content-Encoding") == "gzip" and first.headers.get("Content-Encoding") is None
    assert replayed == []
    assert client.get(url, base_url="https://mirror.example.org").data == elsewhere.data and len(replayed) == 1


def test_a_new_build_is_not_answered_from_the_old_ones_responses(built, monkeypatch):
    replayed = _replays(monkeypatch)
    client = create_app(dataclasses.replace(built, sparql_rate="1000 per second")).test_client()
    url = "/sparql?format=csv&query=" + urllib.parse.quote(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }")
    before = client.get(url)
    assert client.get(url).data == before.data and len(replayed) == 1
    write(built, "procedure/an-extra-procedure.yaml",
          (built.data_dir / "procedure" / "birth-registration.yaml").read_text(encoding="utf-8"))
    rebuild(built)
    after = client.get(url)
    assert len(replayed) == 1 and after.data != before.data and after.headers["ETag"] != before.headers["ETag"]
