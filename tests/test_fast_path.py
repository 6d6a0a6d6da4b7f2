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
