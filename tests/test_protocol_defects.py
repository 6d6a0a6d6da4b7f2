"""The endpoint evaluates nothing itself (issue 13): a query whose data comes from VALUES alone is
stopped by the engine's timeout like any other; malformed protocol requests are refused."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from isoko.app import create_app
from sparql_endpoint.query_text import calls_service, with_limit

NUMBERS = " ".join(str(i) for i in range(200))
# 200^6 solutions with no data from the store: the old LIMIT check evaluated it in the serving
# process, without any timeout.
VALUES_ONLY = ("SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?v{i} {{ {NUMBERS} }}" for i in range(6))
               + " FILTER(STR(?v0) != STR(?v5)) }")
TIMEOUT, GRACE = 2.0, 2.0


@pytest.fixture
def client(built):
    app = create_app(replace(built, query_timeout=TIMEOUT, result_limit=5))
    yield app.test_client()
    app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


def test_a_query_of_values_alone_is_stopped_at_the_timeout(client):
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": VALUES_ONLY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and b"timeout" in response.data.lower()
    assert elapsed < TIMEOUT + GRACE + 1.5, elapsed
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_two_queries_in_one_request_are_refused(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert response.status_code == 400 and b"More than one query" in response.data
    in_url_and_form = client.post("/sparql?query=ASK%20%7B%7D", data={"query": "ASK {}"})
    assert in_url_and_form.status_code == 400
    in_url_and_body = client.post("/sparql?query=ASK%20%7B%7D", data="ASK {}", content_type="application/sparql-query")
    assert in_url_and_body.status_code == 400


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_updates_are_refused_on_every_method(client, method):
    if method == "GET":
        response = client.get("/sparql", query_string={"update": "DROP ALL"}, headers={"Accept": "text/html"})
    else:
        response = client.post("/sparql", data={"update": "DROP ALL"})
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert b"read-only" in response.data


def test_a_query_and_an_update_together_are_refused(client):
    response = client.post("/sparql", data={"query": "ASK {}", "update": "DROP ALL"})
    assert response.status_code == 400 and b"not both" in response.data
    assert client.get("/sparql", query_string={"query": "ASK {}", "update": "DROP ALL"}).status_code == 400


def test_a_query_body_must_be_utf8(client):
    latin1 = "SELECT * WHERE { ?s ?p \"café\" }".encode("latin-1")
    assert client.post("/sparql", data=latin1, content_type="application/sparql-query").status_code == 400
    declared = client.post("/sparql", data=latin1, content_type="application/sparql-query; charset=ISO-8859-1")
    assert declared.status_code == 415


def test_a_larger_own_limit_is_lowered_to_the_endpoints(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100000 OFFSET 2",
                                                   "format": "csv"})
    assert len(response.data.decode().strip().splitlines()) == 1 + 5
    assert response.headers["Isoko-Row-Limit"] == "5"


def test_a_limit_the_engine_refuses_falls_back_to_the_query_as_sent(client):
    # VALUES after the solution modifiers: LIMIT cannot be appended, the query still answers.
    response = client.get("/sparql", query_string={"query": "SELECT ?x {} VALUES ?x { 1 2 }", "format": "csv"})
    assert response.status_code == 200 and response.data.decode().split() == ["x", "1", "2"]
    malformed = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert malformed.status_code == 400 and b"Malformed query" in malformed.data


def test_results_larger_than_the_cap_are_refused(built):
    app = create_app(replace(built, result_max_bytes=2000))
    try:
        response = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert response.status_code == 400 and b"larger than" in response.data
    finally:
        app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * { ?s ?p ?o }", ("SELECT * { ?s ?p ?o }\nLIMIT 10", True)),
    ("SELECT * { ?s ?p ?o } LIMIT 3", ("SELECT * { ?s ?p ?o } LIMIT 3", False)),
    ("SELECT * { ?s ?p ?o } limit 300 offset 5", ("SELECT * { ?s ?p ?o } limit 10 offset 5", True)),
    ("SELECT * { ?s ?p ?o } OFFSET 5 LIMIT 300", ("SELECT * { ?s ?p ?o } OFFSET 5 LIMIT 10", True)),
    ("SELECT * { ?s ?p ?o } OFFSET 5", ("SELECT * { ?s ?p ?o } OFFSET 5\nLIMIT 10", True)),
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 300 } }", ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 300 } }\nLIMIT 10", True)),
    ('SELECT * { ?s ?p "LIMIT 300" }', ('SELECT * { ?s ?p "LIMIT 300" }\nLIMIT 10', True)),
    ("SELECT * { ?s ?p ?o } # LIMIT 300", ("SELECT * { ?s ?p ?o } # LIMIT 300\nLIMIT 10", True)),
    ("SELECT ?limit { ?s ?p ?limit }", ("SELECT ?limit { ?s ?p ?limit }\nLIMIT 10", True)),
])
def test_with_limit_reads_the_final_limit_only(query, expected):
    assert with_limit(query, 10) == expected


def test_service_is_found_by_keyword_only():
    assert calls_service("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")
    assert not calls_service('SELECT ?service { ?service ?p "SERVICE" } # SERVICE')


def test_relative_iris_resolve_against_the_public_endpoint(client):
    response = client.get("http://data.example/sparql", query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                          headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.data.startswith(b"<http://data.example/s> <http://data.example/p> ")
    own_base = client.get("/sparql", query_string={"query": "BASE <http://example.org/x/> SELECT (<s> AS ?s) {}", "format": "csv"})
    assert own_base.data.decode().split()[1] == "http://example.org/x/s"
