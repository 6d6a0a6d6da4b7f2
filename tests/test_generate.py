"""benchmarks/generate.py: deterministic, shaped like data/, valid against both shape sets."""

from __future__ import annotations

import dataclasses
import shutil

import pyoxigraph as ox
import pytest

import loaders.catalogue as catalogue_module
from benchmarks.generate import generate, parse_size
from loaders.build import build, check_sources
from loaders.catalogue import read_catalogue, read_files, source_files
from sparql_endpoint.current import CurrentBuild
from sparql_endpoint.store import OxigraphStore

CPSV = "PREFIX cpsv: <http://purl.org/vocab/cpsv#> PREFIX cv: <http://data.europa.eu/m8g/> "


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    generate(root / "data", 6_000, seed=3)
    return root


def _config(config, root):
    return dataclasses.replace(config, data_dir=root / "data", var_dir=root / "var")


def test_sizes_are_parsed():
    assert [parse_size(s) for s in ("10k", "100k", "1M", "5M", "2500")] == [10_000, 100_000, 1_000_000,
                                                                          5_000_000, 2500]


def test_same_seed_same_catalogue_other_seed_other(tmp_path):
    generate(tmp_path / "a", 3_000, seed=7)
    generate(tmp_path / "b", 3_000, seed=7)
    generate(tmp_path / "c", 3_000, seed=8)
    files = lambda d: {p.relative_to(d): p.read_text() for p in d.rglob("*.yaml")}  # noqa: E731
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")


@pytest.mark.parametrize("engine", ["rudof", "pyshacl"])
def test_generated_catalogue_is_valid_with_both_engines(config, generated, engine, monkeypatch):
    monkeypatch.setenv("ISOKO_SHACL", engine)
    assert check_sources(_config(config, generated)) == []


def test_built_size_shape_and_chains(config, generated):
    config = _config(config, generated)
    info = build(config)
    assert 5_000 <= info.triples <= 7_000  # within the generator's calibration of the target
    store = CurrentBuild(config).get().store
    kinds = {kind: len(list((generated / "data" / kind).glob("*.yaml")))
             for kind in ("procedure", "institution", "office", "place", "law", "document", "term", "faq")}
    assert all(kinds.values()), kinds
    # documents that one procedure produces are required by procedures of other institutions,
    # in chains several procedures deep
    deep = store.select(CPSV + """SELECT (MAX(?n) AS ?depth) WHERE {
      { SELECT ?p (COUNT(DISTINCT ?before) AS ?n) WHERE { ?p (cpsv:hasInput/^cpsv:produces)+ ?before } GROUP BY ?p } }""")
    assert int(deep[0]["depth"].value) >= 3
    across = store.ask(CPSV + """ASK { ?p cpsv:hasInput ?d ; cv:hasCompetentAuthority ?a .
      ?q cpsv:produces ?d ; cv:hasCompetentAuthority ?b FILTER(?a != ?b) }""")
    assert across
    languages = {r["l"].value for r in store.select(
        "SELECT DISTINCT (LANG(?t) AS ?l) WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> ; "
        "<http://purl.org/dc/terms/title> ?t }")}
    assert languages == {"rn", "fr", "en"}
    assert store.ask("ASK { ?i <http://www.w3.org/ns/org#subOrganizationOf> ?parent ; "
                     "<http://data.europa.eu/m8g/contactPoint> ?c }")
    assert store.ask(CPSV + "ASK { ?p cv:hasCost/cv:hasValue ?v ; cv:processingTime ?t }")


def test_reading_in_worker_processes_gives_the_same_catalogue(config, generated):
    config = _config(config, generated)
    one, two = read_catalogue(config, workers=1), read_catalogue(config, workers=2)
    assert set(one.quads) == set(two.quads)
    assert [e.file for e in one.entities] == [e.file for e in two.entities]
    assert [(e.ref, e.nodes) for e in one.entities] == [(e.ref, e.nodes) for e in two.entities]


def test_pieces_of_whole_batches_give_the_quads_in_the_same_order(config, generated, monkeypatch):
    """The worker processes read their share in pieces of whole JSON-LD batches: the quads come in
    the order of one piece (a store keeps that order, and the dumps follow it)."""
    config = _config(config, generated)
    monkeypatch.setattr(catalogue_module, "JSON_LD_BATCH", 7)
    files = source_files(config)
    whole = read_files(config, files)
    pieces = [read_files(config, files[start:start + 21]) for start in range(0, len(files), 21)]
    assert [quad for _, quads, _ in pieces for quad in quads] == whole[1]
    assert [e.ref for entities, _, _ in pieces for e in entities] == [e.ref for e in whole[0]]


def test_quads_loaded_while_reading_are_those_loaded_after_in_the_same_order(config, generated, monkeypatch):
    config = _config(config, generated)
    monkeypatch.setattr(catalogue_module, "PIECE_FILES", 40)  # several pieces per worker
    streamed, after = OxigraphStore(), OxigraphStore()
    read = read_catalogue(config, workers=2, into=streamed)
    assert not read.objects and not read.n_quads and not read.problems
    read_catalogue(config, workers=2).load_into(after)
    assert len(streamed) > 5_000
    assert streamed._store.dump(format=ox.RdfFormat.N_QUADS) == after._store.dump(format=ox.RdfFormat.N_QUADS)


def test_problems_read_in_worker_processes_are_those_read_in_one(config, generated, tmp_path, monkeypatch):
    """A broken file among the pieces: the same problems, in the same order, as read in one process."""
    data = tmp_path / "broken"
    shutil.copytree(generated / "data", data)
    broken = sorted((data / "procedure").glob("*.yaml"))[-1]
    broken.write_text(broken.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")
    config = dataclasses.replace(config, data_dir=data, var_dir=tmp_path / "broken-var")
    monkeypatch.setattr(catalogue_module, "PIECE_FILES", 40)
    store = OxigraphStore()
    two = read_catalogue(config, workers=2, into=store)
    assert two.problems and two.problems == read_catalogue(config, workers=1).problems
    assert any(p.file.endswith(broken.name) for p in two.problems)
