"""The quality warnings (quality.json) are the same through the SPARQL compilation of the quality
shapes (loaders/shape_queries.py, the default) as through pyshacl (the reference), on the fixture
catalogue and on a generated catalogue broken in every way the quality shapes look at."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest
import rdflib

from benchmarks.generate import generate
from loaders.build import entailed_store
from loaders.catalogue import read_catalogue
from loaders.quality import quality_warnings
from loaders.shape_queries import Unsupported, compile_shapes
from sparql_endpoint.store import OxigraphStore

CV, DCT = "http://data.europa.eu/m8g/", "http://purl.org/dc/terms/"
PUBLIC_SERVICE = ox.NamedNode("http://purl.org/vocab/cpsv#PublicService")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _both(store, config):
    return quality_warnings(store, config, engine="sparql"), quality_warnings(store, config, engine="pyshacl")


def test_same_warnings_on_the_fixture_catalogue(config):
    sparql, pyshacl = _both(entailed_store(read_catalogue(config)), config)
    assert sparql == pyshacl and sparql["warnings"]


def test_same_warnings_on_the_real_catalogue(config):
    real = dataclasses.replace(config, data_dir=config.root / "data")
    sparql, pyshacl = _both(entailed_store(read_catalogue(real)), real)
    assert sparql == pyshacl and len(sparql["warnings"]) > 100


def _gaps(store: OxigraphStore) -> OxigraphStore:
    """Procedures losing their fees, times, legal bases or offices, and titles in Kirundi written
    every way the language test must tell apart (rn, rn-BI, RN, rnx, an IRI)."""
    procedures = sorted({q.subject for q in store.quads() if q.predicate == TYPE and q.object == PUBLIC_SERVICE},
                        key=str)
    drop = {CV + "hasCost": procedures[0::5], CV + "processingTime": procedures[1::5],
            CV + "hasLegalResource": procedures[2::5], CV + "hasChannel": procedures[3::5]}
    removed = {q for q in store.quads() for path, nodes in drop.items()
               if q.predicate.value == path and q.subject in set(nodes[:40])}
    removed |= {q for q in store.quads() if q.predicate.value == DCT + "title" and q.subject in set(procedures[:30])
                and q.object.language == "rn"}
    title, graph = ox.NamedNode(DCT + "title"), next(iter(store.quads())).graph_name
    odd = [ox.Literal("x", language="rn-bi"), ox.Literal("x", language="rnx"), ox.Literal("x"), ox.NamedNode("urn:x")]
    added = [ox.Quad(p, title, odd[n % len(odd)], graph) for n, p in enumerate(procedures[:30])]
    broken = OxigraphStore()
    broken.load([q for q in store.quads() if q not in removed] + added)
    return broken


def test_same_warnings_on_a_generated_catalogue_with_gaps(config, tmp_path):
    generate(tmp_path / "data", 3_000, seed=11)
    store = entailed_store(read_catalogue(dataclasses.replace(config, data_dir=tmp_path / "data")))
    sparql, pyshacl = _both(_gaps(store), config)
    assert sparql == pyshacl
    assert set(sparql["counts"]) == {"fee", "time", "legal_basis", "office", "title_rn"}


def test_unsupported_shapes_fall_back_to_pyshacl(config, monkeypatch):
    import loaders.quality as quality

    shapes = rdflib.Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:maxCount 1 ;
            sh:message "m" ] .""", format="turtle")
    with pytest.raises(Unsupported):
        compile_shapes(shapes)

    def unsupported(store, shapes):
        raise Unsupported("test")

    monkeypatch.setattr(quality, "_sparql", unsupported)
    store = entailed_store(read_catalogue(config))
    assert quality_warnings(store, config) == quality_warnings(store, config, engine="pyshacl")
