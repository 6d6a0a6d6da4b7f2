"""SPARQL protocol details: service description, limits, timeout, CORS, caching, errors."""

from dataclasses import replace

import pyoxigraph as ox
import pytest

from isoko.app import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def client(built):
    app = create_app(replace(built, query_timeout=2.0, result_limit=5))
    yield app.test_client()
    app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


def test_service_description_by_conneg(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    predicates = {t.predicate.value.rsplit("#", 1)[-1] for t in graph}
    assert {"endpoint", "supportedLanguage", "resultFormat", "namedGraph", "defaultDataset"} <= predicates
    names = {t.object.value for t in graph if t.predicate.value.endswith("#name")}
    assert "https://data.isoko.bi/graph/institution/police" in names


def test_browser_gets_the_query_form(client):
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert response.mimetype == "text/html" and b"<form" in response.data


def test_q_values_and_format_parameter(client):
    response = client.get("/sparql", query_string={"query": COUNT},
                          headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9"})
    assert response.mimetype == "text/csv"
    response = client.get("/sparql", query_string={"query": COUNT, "format": "tsv"})
    assert response.mimetype == "text/tab-separated-values"
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_row_limit_is_applied_and_announced(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "csv"})
    assert len(response.data.decode().strip().splitlines()) == 1 + 5
    assert response.headers["Isoko-Row-Limit"] == "5"
    own_limit = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "format": "csv"})
    assert len(own_limit.data.decode().strip().splitlines()) == 1 + 3


def test_heavy_query_times_out_and_server_keeps_answering(client):
    response = client.get("/sparql", query_string={"query": HEAVY})
    assert response.status_code == 503 and b"timeout" in response.data.lower()
    again = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert again.status_code == 200 and again.data.decode().splitlines()[1] == "2"


def test_protocol_errors(client):
    assert client.get("/sparql", query_string={"query": "SELEC nothing"}).status_code == 400
    assert client.post("/sparql", data="x", content_type="text/plain").status_code == 415
    assert client.post("/sparql", data="DROP ALL", content_type="application/sparql-update").status_code == 403
    assert client.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert client.put("/sparql", data="x").status_code == 405
    assert client.post("/sparql", data={"query": ""}).status_code == 400
    update_as_query = client.get("/sparql", query_string={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert update_as_query.status_code == 400


def test_cors_and_conditional_requests(client):
    preflight = client.options("/sparql", headers={"Origin": "https://example.org",
                                                   "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    first = client.get("/sparql", query_string={"query": COUNT})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/sparql", query_string={"query": COUNT}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    other_format = client.get("/sparql", query_string={"query": COUNT}, headers={"If-None-Match": etag,
                                                                                  "Accept": "text/csv"})
    assert other_format.status_code == 200


def test_default_and_named_graph_uri(client):
    police = "https://data.isoko.bi/graph/institution/police"
    response = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": police, "format": "csv"})
    assert response.data.decode().splitlines()[1] == "1"
    named = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": police, "format": "csv"})
    assert named.data.decode().splitlines()[1:] == [police]


def test_catalog_and_void_by_conneg(client):
    html = client.get("/catalog", headers={"Accept": "text/html"})
    assert html.status_code == 200 and b"catalogue.nq.gz" in html.data
    turtle = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    triples = list(ox.parse(turtle.data, format=ox.RdfFormat.TURTLE))
    types = {t.object.value for t in triples if t.predicate.value.endswith("#type")}
    assert {"http://www.w3.org/ns/dcat#Dataset", "http://rdfs.org/ns/void#Dataset",
            "http://www.w3.org/ns/dcat#Distribution", "http://rdfs.org/ns/void#Linkset"} <= types
    assert client.get("/catalog", headers={"Accept": "application/ld+json"}).mimetype == "application/ld+json"


def test_dumps_are_served_with_length_etag_and_type(client, built):
    response = client.get("/dumps/catalogue.nq.gz")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert int(response.headers["Content-Length"]) == len(response.data) > 0
    etag = response.headers["ETag"]
    assert client.get("/dumps/catalogue.nq.gz", headers={"If-None-Match": etag}).status_code == 304
    for bad in ("../build.json", "..%2Fbuild.json", "nothing.nq.gz", "%2e%2e/%2e%2e/etc/passwd"):
        assert client.get(f"/dumps/{bad}").status_code == 404
