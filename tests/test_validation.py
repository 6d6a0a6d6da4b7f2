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
