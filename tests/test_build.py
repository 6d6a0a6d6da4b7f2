"""The build pipeline: named graphs, atomic switch, failed builds change nothing, no leftovers."""

import json
import os

import pytest

from loaders.build import BuildBusy, _lock, build, current_build
from loaders.problems import ProblemsFound
from sparql_endpoint.current import CurrentBuild
from tests.conftest import write

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"


def count(config) -> int:
    return int(CurrentBuild(config).get().store.select(COUNT)[0]["n"].value)


def test_build_writes_store_dumps_manifest_and_switches(built):
    folder = current_build(built)
    assert folder is not None and folder.parent == built.builds_dir
    assert os.readlink(built.current_link) == os.path.join("builds", folder.name)  # relative: copyable
    info = json.loads((folder / "build.json").read_text())
    assert info["procedures"] == 2 and info["triples"] > 1000
    dumps = {d["file"]: d for d in info["dumps"]}
    assert set(dumps) == {"catalogue.nq.gz", "catalogue.jsonld.gz", "institution-registry.ttl.gz",
                          "institution-police.ttl.gz", "directory.ttl.gz", "reference.ttl.gz", "ontology.ttl.gz"}
    for name, dump in dumps.items():
        assert (folder / "dumps" / name).stat().st_size == dump["bytes"] > 0
    assert count(built) == 2


def test_one_named_graph_per_institution_plus_directory_reference_ontology(built):
    graphs = set(CurrentBuild(built).get().store.graphs())
    base = "https://data.isoko.bi/graph/"
    assert graphs == {base + "institution/registry", base + "institution/police", base + "directory",
                      base + "reference", base + "ontology", base + "metadata", base + "versions"}
    store = CurrentBuild(built).get().store
    assert store.ask(f"ASK {{ GRAPH <{base}institution/police> "
                     "{ <https://data.isoko.bi/id/procedure/passport> ?p ?o } }")


def test_entailment_types_organisations_and_documents(built):
    store = CurrentBuild(built).get().store
    assert store.ask("ASK { <https://data.isoko.bi/id/institution/police> a <http://xmlns.com/foaf/0.1/Agent> ; "
                     "<http://purl.org/dc/terms/title> 'Police des frontières'@fr }")
    assert store.ask("ASK { <https://data.isoko.bi/id/document/passport> a <http://data.europa.eu/m8g/Evidence>, "
                     "<http://data.europa.eu/m8g/Output> }")


def test_document_chain_is_a_graph_edge(built):
    rows = CurrentBuild(built).get().store.select("""
        PREFIX cpsv: <http://purl.org/vocab/cpsv#>
        PREFIX cv: <http://data.europa.eu/m8g/>
        SELECT ?issuer WHERE {
          <https://data.isoko.bi/id/procedure/passport> cpsv:hasInput ?doc .
          ?p cpsv:produces ?doc ; cv:hasCompetentAuthority ?issuer }""")
    assert [r["issuer"].value for r in rows] == ["https://data.isoko.bi/id/institution/registry"]


def test_failed_build_leaves_the_served_build_untouched(built):
    before = current_build(built)
    write(built, "procedure/extra.yaml", "title: {fr: X, en: X}\nautority: [institution/police]\n")
    with pytest.raises(ProblemsFound) as caught:
        build(built)
    assert any(p.message == "unknown key `autority`" for p in caught.value.problems)
    assert current_build(built) == before
    assert count(built) == 2
    assert not list(built.builds_dir.glob(".tmp-*"))


def test_successful_rebuild_switches_and_readers_follow(built):
    reader = CurrentBuild(built)
    assert int(reader.get().store.select(COUNT)[0]["n"].value) == 2
    (built.data_dir / "procedure" / "birth-registration.yaml").unlink()
    build(built)
    assert int(reader.get().store.select(COUNT)[0]["n"].value) == 1


def test_leftovers_of_a_killed_build_are_removed(built):
    leftover = built.builds_dir / ".tmp-20000101T000000Z-dead00"
    (leftover / "store").mkdir(parents=True)
    os.symlink("builds/nothing", built.var_dir / ".current-dead")
    build(built)
    assert not leftover.exists()
    assert not (built.var_dir / ".current-dead").is_symlink()


def test_old_builds_are_pruned(built):
    for _ in range(4):
        build(built)
    kept = [p for p in built.builds_dir.iterdir() if not p.name.startswith(".")]
    assert len(kept) == 3 and current_build(built) in kept


def test_concurrent_build_is_refused(built):
    with _lock(built.var_dir / ".build.lock"):
        with pytest.raises(BuildBusy):
            build(built)


def test_base_iri_is_configurable(config):
    from dataclasses import replace
    other = replace(config, base_iri="http://localhost:9999/")
    build(other)
    store = CurrentBuild(other).get().store
    assert store.ask("ASK { <http://localhost:9999/id/procedure/passport> ?p ?o }")
    assert "http://localhost:9999/graph/institution/police" in store.graphs()


def test_dumps_parse_back_to_the_same_graphs(built):
    import gzip
    import pyoxigraph as ox
    folder = current_build(built)
    info = json.loads((folder / "build.json").read_text())
    quads = list(ox.parse(gzip.open(folder / "dumps" / "catalogue.nq.gz").read(), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == info["triples"]
    police = list(ox.parse(gzip.open(folder / "dumps" / "institution-police.ttl.gz").read(),
                           format=ox.RdfFormat.TURTLE))
    assert len(police) == info["graphs"]["https://data.isoko.bi/graph/institution/police"]
    jsonld = list(ox.parse(gzip.open(folder / "dumps" / "catalogue.jsonld.gz").read(), format=ox.RdfFormat.JSON_LD))
    assert len(jsonld) == info["triples"]


def test_void_and_dcat_describe_the_build(built):
    store = CurrentBuild(built).get().store
    info = json.loads((current_build(built) / "build.json").read_text())
    rows = store.select("""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?t ?e WHERE { <https://data.isoko.bi/dataset> void:triples ?t ; void:entities ?e }""")
    assert int(rows[0]["t"].value) == info["triples"]
    assert store.ask("""PREFIX void: <http://rdfs.org/ns/void#>
        ASK { <https://data.isoko.bi/dataset> void:classPartition [ void:class <http://purl.org/vocab/cpsv#PublicService> ;
              void:entities 2 ] ; void:subset [ a void:Linkset ; void:triples 2 ] }""")
    assert store.ask("""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        ASK { <https://data.isoko.bi/dataset> dcat:distribution [ dcat:downloadURL <https://data.isoko.bi/dumps/catalogue.nq.gz> ;
              dcat:byteSize ?size ] . <https://data.isoko.bi/sparql> dcat:servesDataset <https://data.isoko.bi/dataset> }""")


def test_failure_during_the_index_stage_leaves_nothing_behind(built, monkeypatch):
    """The store loads in a thread while the index stage runs: a failure there waits for the
    loader, removes the half-written folder and leaves the served build as it was."""
    import loaders.build as build_module

    def broken(*args, **kwargs):
        raise OSError("disk full")

    before = current_build(built)
    monkeypatch.setattr(build_module, "write_search_index", broken)
    with pytest.raises(OSError, match="disk full"):
        build(built)
    assert current_build(built) == before and count(built) == 2
    assert not list(built.builds_dir.glob(".tmp-*"))
    assert not [t for t in __import__("threading").enumerate() if t.name == "store-loader"]


def test_store_holds_the_dumped_graphs_and_the_description(built):
    """The store (bulk-loaded from the in-memory store's N-Quads in a thread) equals the N-Quads
    dump plus graphs metadata and versions, and statistics computed on the in-memory store describe it."""
    import gzip

    import pyoxigraph as ox

    folder = current_build(built)
    info = json.loads((folder / "build.json").read_text())
    assert list(info["seconds"]) == ["parse", "validate", "history", "index", "load"]
    store = ox.Store.read_only(str(folder / "store"))
    extra = {ox.NamedNode("https://data.isoko.bi/graph/metadata"), ox.NamedNode("https://data.isoko.bi/graph/versions")}
    data = {q for q in store if q.graph_name not in extra}
    dumped = set(ox.parse(gzip.open(folder / "dumps" / "catalogue.nq.gz").read(), format=ox.RdfFormat.N_QUADS))
    assert data == dumped and len(data) == info["triples"]
    described = set(ox.parse((folder / "description.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert len(described) == sum(1 for q in store if q.graph_name == ox.NamedNode("https://data.isoko.bi/graph/metadata")) > 100
