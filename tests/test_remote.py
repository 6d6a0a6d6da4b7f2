"""RemoteStore on real servers (Apache Jena Fuseki on TDB2, `oxigraph serve`): the same answers
as the embedded store, the server's messages for malformed queries, clear failures when the
server is away, and the 503 readers then get."""

from __future__ import annotations

import json
import socket
import time

import pyoxigraph as ox
import pytest

from isoko.app import create_app
from isoko.config import Config
from sparql_endpoint.current import CurrentBuild, NoBuild
from sparql_endpoint.remote import (STAGING_PREFIX, RemoteStore, StoreRefused, build_info, query_form)
from sparql_endpoint.store import OxigraphStore, QueryError, StoreUnavailable
from tests.server import STORES, free_port, running_store

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
NODE = ox.BlankNode()
QUADS = [
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "label"), ox.Literal("Pasiporo", language="rn"), ox.NamedNode(EX + "g1")),
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "label"), ox.Literal("Passeport", language="fr"), ox.NamedNode(EX + "g1")),
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "fee"), ox.Literal("235000", datatype=ox.NamedNode(XSD + "integer")), ox.NamedNode(EX + "g1")),
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "checked"), ox.Literal("2025-03-01", datatype=ox.NamedNode(XSD + "date")), ox.NamedNode(EX + "g1")),
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "note"), ox.Literal('plain "quoted"\nline'), ox.NamedNode(EX + "g2")),
    ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "node"), NODE, ox.NamedNode(EX + "g2")),
    ox.Quad(NODE, ox.NamedNode(EX + "value"), ox.Literal("inside"), ox.NamedNode(EX + "g2")),
]
UNION = [ox.Quad(q.subject, q.predicate, q.object) for q in QUADS]  # what publish puts in the default graph


@pytest.fixture(scope="module", params=STORES)
def remote(request, tmp_path_factory) -> RemoteStore:
    with running_store(request.param, tmp_path_factory.mktemp(request.param) / "store") as spec:
        yield RemoteStore.from_spec(spec, timeout=10)


@pytest.fixture
def loaded(remote: RemoteStore) -> RemoteStore:
    remote.update("DROP SILENT ALL")
    remote.load(QUADS + UNION)
    return remote


@pytest.fixture
def embedded() -> OxigraphStore:
    store = OxigraphStore()
    store.load(QUADS)
    return store


def shape(rows: list[dict]) -> list[tuple]:
    """Rows comparable across stores: blank nodes replaced by a marker."""
    def term(t):
        return ("_:", ) if isinstance(t, ox.BlankNode) else t
    return sorted((tuple(sorted((k, term(v)) for k, v in row.items())) for row in rows), key=repr)


def test_terms_are_the_embedded_stores_terms(loaded, embedded):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    rows = loaded.select(query)
    assert shape(rows) == shape(embedded.select(query))
    objects = {row["p"].value.rsplit("/", 1)[1] + (row["o"].language or "" if isinstance(row["o"], ox.Literal) else ""): row["o"] for row in rows}
    assert objects["labelrn"] == ox.Literal("Pasiporo", language="rn")
    assert objects["fee"] == ox.Literal("235000", datatype=ox.NamedNode(XSD + "integer"))
    assert objects["checked"].datatype == ox.NamedNode(XSD + "date")
    assert objects["note"] == ox.Literal('plain "quoted"\nline')  # xsd:string, no language
    assert isinstance(objects["node"], ox.BlankNode)
    inner = [r for r in rows if isinstance(r["s"], ox.BlankNode)]
    assert inner and inner[0]["s"] == objects["node"]  # the same node, as one term


def test_unbound_variables_are_left_out_like_embedded(loaded, embedded):
    query = f"SELECT ?s ?lang WHERE {{ ?s <{EX}note> ?n OPTIONAL {{ ?s <{EX}nothing> ?lang }} }}"
    assert loaded.select(query) == embedded.select(query) == [{"s": ox.NamedNode(EX + "a")}]


def test_ask_construct_and_graphs(loaded):
    assert loaded.ask(f"ASK {{ <{EX}a> ?p 'Passeport'@fr }}")
    assert not loaded.ask(f"ASK {{ <{EX}a> ?p 'Passeport'@en }}")
    triples = loaded.construct(f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ GRAPH <{EX}g1> {{ ?s ?p ?o }} }}")
    assert len(triples) == 4 and all(isinstance(t, ox.Triple) for t in triples)
    assert loaded.graphs() == [EX + "g1", EX + "g2"]


def test_graphs_leave_out_staging_graphs(loaded):
    loaded.put_graph(STAGING_PREFIX + "test:0", b"<http://example.org/x> <http://example.org/y> 1 .")
    assert loaded.graphs() == [EX + "g1", EX + "g2"]
    loaded.delete_graph(STAGING_PREFIX + "test:0")
    loaded.delete_graph(STAGING_PREFIX + "never-there")  # deleting a missing graph is no error


def test_run_forms_media_types_and_dataset(loaded):
    select = loaded.run("PREFIX ex: <http://example.org/> # a comment <with> brackets\nSELECT * WHERE { ?s ex:label ?o }")
    assert select.form == "bindings" and "text/csv" in select.media_types
    assert sorted(select.serialize("text/csv").decode().splitlines()[0].split(",")) == ["o", "s"]
    assert b"<sparql" in select.serialize("application/sparql-results+xml")
    ask = loaded.run("ASK { ?s ?p ?o }")
    assert ask.form == "boolean"
    assert json.loads(ask.serialize("application/sparql-results+json"))["boolean"] is True
    graph = loaded.run("DESCRIBE <http://example.org/a>")
    assert graph.form == "graph" and "text/turtle" in graph.media_types
    assert b"example.org/a" in graph.serialize("application/n-triples")
    assert b"Passeport" in graph.serialize("text/turtle")
    only_g2 = loaded.run(f"SELECT ?o WHERE {{ <{EX}a> <{EX}note> ?o }}", default_graphs=[EX + "g1"])
    assert json.loads(only_g2.serialize("application/sparql-results+json"))["results"]["bindings"] == []
    named = loaded.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[EX + "g2"])
    assert json.loads(named.serialize("application/sparql-results+json"))["results"]["bindings"] == [
        {"g": {"type": "uri", "value": EX + "g2"}}]


@pytest.mark.parametrize("text, form", [
    ("SELECT * {}", "bindings"), ("  base <http://x/> prefix a: <http://a#> ask {}", "boolean"),
    ("# c\nCONSTRUCT WHERE {}", "graph"), ("PREFIX : <http://x#>\ndescribe :a", "graph"),
    ("INSERT DATA {}", None), ("PREFIX a <b>", None),
])
def test_query_form_from_the_text(text, form):
    assert query_form(text) == form


def test_malformed_query_raises_query_error_with_the_servers_message(loaded):
    with pytest.raises(QueryError) as caught:
        loaded.select("SELECT ?s WHERE { ?s ?p }")
    message = str(caught.value)
    assert message and "SPARQLWrapper" not in message and "Error 400" not in message
    with pytest.raises(QueryError):
        loaded.run("SELECT ?s WHERE { ?s ?p")  # at run(), as the embedded store does


def test_update_sent_as_a_query_is_refused_and_changes_nothing(loaded):
    for text in ("INSERT DATA { <http://example.org/x> <http://example.org/y> 1 }", "DROP ALL"):
        with pytest.raises(QueryError):
            loaded.run(text)
    assert len(loaded.select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")) == len(QUADS)


def test_unreachable_store_raises_store_unavailable():
    down = RemoteStore(f"http://127.0.0.1:{free_port()}/isoko", timeout=2, write_timeout=2)
    for call in (lambda: down.select("SELECT * {}"), lambda: down.run("ASK {}"), down.graphs,
                 lambda: down.update("DROP ALL"), lambda: down.put_graph(EX + "g", b"")):
        with pytest.raises(StoreUnavailable, match="cannot be reached"):
            call()


def test_a_store_that_does_not_answer_times_out():
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/isoko", timeout=1, write_timeout=1)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.ask("ASK {}")
        with pytest.raises(StoreUnavailable):
            store.update("DROP ALL")
        assert time.monotonic() - started < 10


def test_spec_with_endpoints_and_credentials():
    store = RemoteStore.from_spec("http://pub:s%40cret@127.0.0.1:7878/ query=query update=update data=store")
    assert (store.query_url, store.update_url, store.data_url) == (
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")
    assert store._auth == store._write_auth == "Basic cHViOnNAY3JldA=="  # pub:s@cret
    assert "cret" not in repr(store)
    single = RemoteStore.from_spec("http://127.0.0.1:3030/isoko")
    assert single.query_url == single.update_url == single.data_url == "http://127.0.0.1:3030/isoko"
    for bad in ("", "127.0.0.1:3030", "http://h/ query", "http://h/ nope=x"):
        with pytest.raises(ValueError):
            RemoteStore.from_spec(bad)


def test_writes_refused_by_the_server_raise_store_refused(loaded):
    with pytest.raises(StoreRefused):
        loaded.put_graph(EX + "g3", b"this is not turtle <", "text/turtle")


# -- what the app makes of it ---------------------------------------------------------------

def test_served_build_comes_from_the_build_graph(loaded, monkeypatch):
    config = Config(store_url=_spec(loaded))
    with pytest.raises(NoBuild, match="nothing has been published"):
        CurrentBuild(config).get()
    info = {"id": "B1", "created": "2025-01-01T00:00:00+00:00", "base_iri": config.base_iri,
            "triples": 7, "procedures": 1, "graphs": {EX + "g1": 4}}
    from sparql_endpoint.remote import build_graph, build_metadata
    loaded.update(f"INSERT DATA {{ GRAPH <{build_graph(config.base_iri)}> {{ {build_metadata(info)} }} }}")
    current = CurrentBuild(config)
    served = current.get()
    assert served.id == "B1" and served.info["graphs"] == {EX + "g1": 4} and served.store is current._remote
    assert build_info(loaded, config.base_iri)["procedures"] == 1
    loaded.update(f"DROP GRAPH <{build_graph(config.base_iri)}>")
    assert current.get().id == "B1"  # cached for a moment: no round trip per request
    monkeypatch.setattr("sparql_endpoint.current.REMOTE_INFO_SECONDS", 0)
    with pytest.raises(NoBuild):
        current.get()


def test_store_down_is_503_not_400():
    app = create_app(Config(store_url=f"http://127.0.0.1:{free_port()}/isoko"))
    client = app.test_client()
    for path in ("/sparql?query=ASK%7B%7D", "/"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.data)
        assert response.headers["Retry-After"] and b"127.0.0.1" not in response.data


def _spec(store: RemoteStore) -> str:
    return f"{store.query_url} query={store.query_url} update={store.update_url} data={store.data_url}"
