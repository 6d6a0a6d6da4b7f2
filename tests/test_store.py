"""The store interface over embedded pyoxigraph."""

import json

import pyoxigraph as ox
import pytest

from sparql_endpoint.store import OxigraphStore, QueryError

EX = "http://example.org/"


@pytest.fixture
def store(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.load([
        ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("x", language="fr"), ox.NamedNode(EX + "g1")),
        ox.Quad(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.Literal("y"), ox.NamedNode(EX + "g2")),
    ])
    return store


def test_default_graph_is_the_union(store):
    rows = store.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [r["s"].value for r in rows] == [EX + "a", EX + "b"]


def test_graphs_and_length(store):
    assert store.graphs() == [EX + "g1", EX + "g2"]
    assert len(store) == 2


def test_ask_and_construct(store):
    assert store.ask(f"ASK {{ <{EX}a> ?p 'x'@fr }}")
    assert not store.ask(f"ASK {{ <{EX}a> ?p 'y' }}")
    triples = store.construct(f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ ?s ?p ?o }}")
    assert len(triples) == 2


def test_run_with_default_graph_uri_restricts_the_dataset(store):
    result = store.run("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[EX + "g2"])
    data = json.loads(result.serialize("application/sparql-results+json"))
    assert [b["s"]["value"] for b in data["results"]["bindings"]] == [EX + "b"]


def test_result_forms_and_formats(store):
    select = store.run("SELECT * WHERE { ?s ?p ?o }")
    assert select.form == "bindings" and "text/csv" in select.media_types
    assert set(select.serialize("text/csv").decode().splitlines()[0].split(",")) == {"s", "p", "o"}
    ask = store.run("ASK { ?s ?p ?o }")
    assert ask.form == "boolean"
    assert json.loads(ask.serialize("application/sparql-results+json"))["boolean"] is True
    graph = store.run("CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.form == "graph" and "text/turtle" in graph.media_types
    assert b"example.org/a" in graph.serialize("application/n-triples")


def test_malformed_query_raises_query_error_with_parser_message(store):
    with pytest.raises(QueryError) as caught:
        store.select("SELECT ?s WHERE { ?s ?p }")
    assert str(caught.value)


def test_read_only_store_sees_data_and_refuses_writes(store, tmp_path):
    store.flush()
    del store
    reader = OxigraphStore(tmp_path / "store", read_only=True)
    assert len(reader.select("SELECT * WHERE { ?s ?p ?o }")) == 2
    with pytest.raises((OSError, RuntimeError)):
        reader.update("INSERT DATA { <http://example.org/c> <http://example.org/p> 1 }")
