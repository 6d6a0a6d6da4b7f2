"""Both SHACL engines (ISOKO_SHACL=rudof|pyshacl) give the same results and the same problems.

Compared on the fixture catalogue and on deliberately broken sources that trip the constraints of
shapes/ that a source can break (min count, class, datatype including ill-formed literals,
qualified value shapes over sh:languageIn, sh:node with sh:hasValue, sh:minInclusive), with our
shapes and the official CPSV-AP shapes together. (sh:pattern on identifiers, sh:uniqueLang and
sh:maxCount cannot be broken from YAML: file names, language maps and single keys prevent it.)
"""

import pytest

from loaders.build import entailed_store
from loaders.catalogue import read_catalogue
from loaders.validation import ENGINES, engine_name, shacl_results, validate
from tests.conftest import write

BROKEN = {
    "procedure/passport.yaml": lambda text: text.replace(", en: Get a passport", "")
    .replace("checked: 2026-11-26\n", "")
    .replace("amount: 235000\n    currency: BIF", "amount: -5\n    currency: FBU")
    .replace("document/birth-certificate", "document/birth-certificat")
    .replace("P3D", "3 jours")
    .replace("authority: [institution/police]\n",
             "authority: [institution/polic]\nlegal_basis: [law/nothing]\nrelated: [procedure/none]\n"
             "channel: [office/none]\n")
    .replace("theme/travel", "theme/nothing").replace("event/travelling-abroad", "event/nothing"),
    "procedure/second.yaml": lambda _: (
        "title: {fr: A, en: B}\ndescription: {en: x}\nauthority: [institution/police]\n"
        "fee:\n  - currency: BIF\n  - amount: 'vingt'\n    currency: BIF\n  - amount: 3\n    currency: USD\n"
        "source: [https://example.org/x]\nchecked: '2026-02-30'\n"),
    "institution/nameless.yaml": lambda _: "acronym: X\nparent: institution/nope\nplace: [place/nowhere]\n",
    "document/untitled.yaml": lambda _: "title: {en: D}\ntype: doctype:nonsense\n",
    "faq/question.yaml": lambda _: "question: {en: Why?}\nconcerns: [procedure/none]\n",
    "law/law.yaml": lambda _: "date: 2011-03-02\n",
}


def _break(config) -> None:
    for relative, change in BROKEN.items():
        path = config.data_dir / relative
        write(config, relative, change(path.read_text() if path.exists() else ""))


def _results_by_engine(config):
    catalogue = read_catalogue(config)
    assert catalogue.problems == []  # the breakage is for SHACL, not for the YAML reader
    store = entailed_store(catalogue)
    return ({engine: shacl_results(store, config.shapes_dir, engine) for engine in ENGINES},
            {engine: validate(store, catalogue, engine) for engine in ENGINES})


def test_engines_agree_on_the_fixture_catalogue(config):
    results, problems = _results_by_engine(config)
    assert results == {engine: [] for engine in ENGINES}
    assert problems == {engine: [] for engine in ENGINES}


def test_engines_agree_on_broken_sources(config):
    _break(config)
    results, problems = _results_by_engine(config)
    rudof, pyshacl = results["rudof"], results["pyshacl"]
    triples = lambda rs: {(r.focus, r.path, r.component) for r in rs}  # noqa: E731
    assert triples(rudof) == triples(pyshacl)
    assert rudof == pyshacl  # values, shapes and messages too
    assert len(rudof) >= 30
    components = {r.component for r in rudof}
    assert {"MinCountConstraintComponent", "ClassConstraintComponent",
            "DatatypeConstraintComponent", "QualifiedMinCountConstraintComponent",
            "NodeConstraintComponent", "MinInclusiveConstraintComponent"} <= components
    # the final report, file:line and all, is the same
    assert [str(p) for p in sorted(problems["rudof"], key=str)] == \
        [str(p) for p in sorted(problems["pyshacl"], key=str)]
    # every broken file is named, at a line of its own
    assert {p.file for p in problems["rudof"] if p.line >= 1} == {str(config.data_dir / r) for r in BROKEN}


def test_ill_formed_date_and_duration_are_found_by_both(config):
    """rudof 0.3.35 alone would accept "3 jours"^^xsd:duration and "2026-02-30"^^xsd:date."""
    _break(config)
    results, problems = _results_by_engine(config)
    for engine in ENGINES:
        ill = {(r.focus.rsplit("/", 2)[-2:][-1], r.value) for r in results[engine]
               if r.component == "DatatypeConstraintComponent"}
        assert ("passport", "3 jours") in ill, engine
        assert ("second", "2026-02-30") in ill, engine
        line = (config.data_dir / "procedure/passport.yaml").read_text().splitlines().index(
            "processing_time: 3 jours") + 1
        lines = {(p.file.rsplit("/", 1)[-1], p.line) for p in problems[engine] if "3 jours" in p.message}
        assert lines == {("passport.yaml", line)}, engine


def test_engine_is_chosen_by_environment(monkeypatch):
    monkeypatch.delenv("ISOKO_SHACL", raising=False)
    assert engine_name() == "rudof"
    monkeypatch.setenv("ISOKO_SHACL", "pyshacl")
    assert engine_name() == "pyshacl"
    monkeypatch.setenv("ISOKO_SHACL", "topbraid")
    with pytest.raises(ValueError, match="ISOKO_SHACL"):
        engine_name()


def test_sharded_validation_gives_the_same_results(config):
    """rudof over shards of whole entities (plus what their constraints read on the nodes they
    point to) finds exactly what one validation of the whole store finds."""
    _break(config)
    catalogue = read_catalogue(config)
    store = entailed_store(catalogue)
    whole = shacl_results(store, config.shapes_dir, "rudof")
    sharded = shacl_results(store, config.shapes_dir, "rudof", id_base=config.id_base, shard_triples=40, workers=1)
    assert len(whole) >= 30
    assert sharded == whole
    parallel = shacl_results(store, config.shapes_dir, "rudof", id_base=config.id_base, shard_triples=200, workers=2)
    assert parallel == whole


# The SPARQL screen (loaders/shacl_screen.py) must flag every focus node rudof reports, so that a
# clean screen proves a valid catalogue; it may flag more (then rudof runs and decides).

def _rudof_and_screen(store, config):
    from loaders.shacl_screen import flagged
    from loaders.validation import _load_shapes

    rudof = shacl_results(store, config.shapes_dir, "rudof", screen=False)
    return {r.focus for r in rudof}, flagged(store, _load_shapes(config.shapes_dir)[0])


def test_screen_flags_every_broken_source(config):
    _break(config)
    store = entailed_store(read_catalogue(config))
    rudof, screen = _rudof_and_screen(store, config)
    assert len(rudof) >= 8 and rudof <= screen
    assert shacl_results(store, config.shapes_dir, "rudof") == shacl_results(store, config.shapes_dir, "rudof",
                                                                            screen=False)


def test_screen_is_clean_on_the_fixture_and_generated_catalogues(config, tmp_path):
    import dataclasses

    from benchmarks.generate import generate
    from loaders.shacl_screen import may_violate
    from loaders.validation import _load_shapes

    shapes = _load_shapes(config.shapes_dir)[0]
    assert not may_violate(entailed_store(read_catalogue(config)), shapes)
    generate(tmp_path / "generated", 3_000, seed=5)
    generated = read_catalogue(dataclasses.replace(config, data_dir=tmp_path / "generated"))
    store = entailed_store(generated)
    assert not may_violate(store, shapes)
    assert shacl_results(store, config.shapes_dir, "rudof", screen=False) == []


def _mutated(store, shapes, id_base, offset=0):
    """A copy of `store` where every path of the shapes is broken in several ways (its values
    dropped on one node; a plain, a foreign-language, a duplicate-language, a dangling IRI, a blank
    node, an ill-formed and a negative number added on others), and one node of each class untyped."""
    from collections import defaultdict

    import pyoxigraph as ox
    from rdflib import URIRef
    from rdflib.namespace import SH

    from sparql_endpoint.store import OxigraphStore

    quads = sorted(store.quads(), key=str)
    uses = defaultdict(list)
    for quad in quads:
        uses[quad.predicate.value].append(quad)
    double = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
    odd = [ox.Literal("x"), ox.Literal("x", language="xx"), ox.NamedNode(id_base + "nothing/x"), ox.BlankNode(),
           ox.Literal("abc", datatype=double), ox.Literal("-1", datatype=double), ox.Literal("2026-02-30")]
    removed, added = set(), []
    for path in sorted({str(p) for p in shapes.objects(None, SH.path) if isinstance(p, URIRef)}):
        found = uses.get(path, [])
        subjects = sorted({q.subject for q in found}, key=str)
        if not subjects:
            continue
        removed |= {q for q in found if q.subject == subjects[(len(subjects) // 2 + offset) % len(subjects)]}
        graph = found[0].graph_name
        added += [ox.Quad(subjects[(3 * n + 1 + offset) % len(subjects)], ox.NamedNode(path), value, graph)
                  for n, value in enumerate(odd)]
        added += [ox.Quad(q.subject, q.predicate, ox.Literal(q.object.value + " bis", language=q.object.language),
                          q.graph_name) for q in found[-1:] if isinstance(q.object, ox.Literal) and q.object.language]
    typed = defaultdict(list)
    for quad in uses["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]:
        typed[quad.object].append(quad)
    removed |= {quads[-1 - offset % len(quads)] for quads in typed.values()}
    mutated = OxigraphStore()
    mutated.load([q for q in quads if q not in removed] + added)
    return mutated


def test_screen_flags_every_focus_rudof_reports_on_a_mutated_store(config):
    """Every constraint kind the screen compiles, broken on the store itself (including what YAML
    cannot produce: extra values, duplicate languages, blank nodes, untyped nodes)."""
    from loaders.validation import _load_shapes

    shapes = _load_shapes(config.shapes_dir)[0]
    valid = entailed_store(read_catalogue(config))
    components = set()
    for offset in range(4):
        store = _mutated(valid, shapes, config.id_base, offset)
        rudof, screen = _rudof_and_screen(store, config)
        assert len(rudof) >= 10 and rudof <= screen, (offset, sorted(rudof - screen)[:5])
        components |= {r.component for r in shacl_results(store, config.shapes_dir, "rudof", screen=False)}
    assert {"MinCountConstraintComponent", "MaxCountConstraintComponent", "ClassConstraintComponent",
            "DatatypeConstraintComponent", "QualifiedMinCountConstraintComponent", "UniqueLangConstraintComponent",
            "PatternConstraintComponent", "NodeKindConstraintComponent", "MinInclusiveConstraintComponent",
            "NodeConstraintComponent"} <= components


def test_unsupported_shapes_skip_the_screen(config, monkeypatch):
    import loaders.validation as validation
    from loaders.shape_queries import Unsupported

    def unsupported(store, shapes):
        raise Unsupported("a constraint kind the screen does not compile")

    _break(config)
    store = entailed_store(read_catalogue(config))
    expected = shacl_results(store, config.shapes_dir, "rudof", screen=False)
    monkeypatch.setattr(validation, "may_violate", unsupported)
    assert shacl_results(store, config.shapes_dir, "rudof") == expected and len(expected) >= 30
