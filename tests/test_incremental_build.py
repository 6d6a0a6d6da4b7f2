"""An incremental build (loaders/incremental.py) gives what a full build of the same sources gives.

Two var/ folders start from the same full build of the fixture catalogue; the same change is then
built incrementally in one and in full (`full=True`) in the other, and everything is compared:
the store's quads (canonical sorted N-Quads; in the versions and metadata graphs the build ids,
times and the dumps' byte sizes are normalised, since they differ between any two builds), the
dumps (parsed: a graph the change touched is dumped from the on-disk store, whose order differs
from the in-memory store's; the others are byte for byte), the search index rows in rowid order,
quality.json, the history's versions, the statistics and the manifest."""

import gzip
import hashlib
import json
import re
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

import loaders.build as build_module
from loaders.build import build, current_build
from loaders.incremental import inputs_key
from loaders.problems import ProblemsFound
from tests.conftest import write

BASE = "https://data.isoko.bi/"
PASSPORT = "procedure/passport.yaml"
NEW_PROCEDURE = """title: {fr: Renouveler un passeport, en: Renew a passport}
description: {fr: Demande en ligne., en: Apply online.}
authority: [institution/police]
requires: [document/passport]
produces: [document/passport]
page: [https://example.org/renew/form]
source:
  - https://example.org/renew
checked: 2026-12-01
"""


@pytest.fixture
def twins(config, tmp_path):
    """(incremental config, full config): the same sources, each built once in full."""
    other = replace(config, data_dir=tmp_path / "data-full", var_dir=tmp_path / "var-full")
    shutil.copytree(config.data_dir, other.data_dir)
    build(config)
    build(other)
    return config, other


def change_both(twins, relative: str, text: str | None) -> None:
    for config in twins:
        if text is None:
            (config.data_dir / relative).unlink()
        else:
            write(config, relative, text)


def build_both(twins) -> tuple[dict, dict]:
    incremental, full = twins
    fast = build(incremental)
    slow = build(full, full=True)
    assert "patch" in fast.seconds and "patch" not in slow.seconds  # each took the path it was meant to
    return snapshot(incremental), snapshot(full)


def snapshot(config) -> dict:
    folder = current_build(config)
    history = folder / "history.sqlite"
    ids = [b for (b,) in sqlite3.connect(history).execute("SELECT id FROM builds ORDER BY seq")] if history.exists() else []
    store = ox.Store.read_only(str(folder / "store"))
    lines = ox.serialize(store, format=ox.RdfFormat.N_QUADS).decode().splitlines()
    info = json.loads((folder / "build.json").read_text())
    return {
        "quads": sorted(name_blank_nodes([normalise(line, ids) for line in lines])),
        "dumps": {d["file"]: parsed(folder / "dumps" / d["file"]) for d in info["dumps"]},
        "search": search_rows(folder / "search.sqlite"),
        "quality": json.loads((folder / "quality.json").read_text().replace(str(config.data_dir), "data")),
        "history": sqlite3.connect(history).execute(
            "SELECT entity, change, hash, page, graph, themes, properties, description FROM versions ORDER BY seq"
        ).fetchall() if history.exists() else None,
        "stats": json.loads((folder / "stats.json").read_text()),
        "sources": {name: entry[0] for name, entry in json.loads((folder / "sources.json").read_text())["sources"].items()},
        "info": {k: info[k] for k in ("triples", "procedures", "graphs", "search_rows", "history")},
    }


def normalise(line: str, build_ids: list[str]) -> str:
    for number, build_id in enumerate(build_ids):
        line = line.replace(build_id, f"build-{number}")
    line = re.sub(r'"\d{4}-\d\d-\d\dT[^"]*"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>', '"TIME"', line)
    return re.sub(r'(dcat#byteSize> )"\d+"', r'\1"SIZE"', line)


def name_blank_nodes(lines: list[str]) -> list[str]:
    """Blank node labels (the description's partitions) replaced by a name made of their triples."""
    own: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("_:"):
            label, rest = line.split(" ", 1)
            own.setdefault(label, []).append(rest)
    names = {label: "_:" + hashlib.sha256("\n".join(sorted(rest)).encode()).hexdigest()
             for label, rest in own.items()}
    return [re.sub(r"_:\w+", lambda m: names.get(m.group(0), m.group(0)), line) for line in lines]


def parsed(path: Path) -> set:
    name = path.name
    fmt = (ox.RdfFormat.N_QUADS if name.endswith(".nq.gz") else
           ox.RdfFormat.JSON_LD if name.endswith(".jsonld.gz") else ox.RdfFormat.TURTLE)
    return set(ox.parse(gzip.decompress(path.read_bytes()), format=fmt))


def search_rows(path: Path) -> dict:
    db = sqlite3.connect(path)
    return {"rows": db.execute("SELECT text, iri, kind, language, field, weight FROM search ORDER BY rowid").fetchall(),
            "entity": db.execute("SELECT * FROM entity ORDER BY iri").fetchall(),
            "meta": db.execute("SELECT * FROM meta ORDER BY key").fetchall()}


def located(error: ProblemsFound, config) -> list[tuple]:
    """The problems with their files relative to data/ (the twins' data/ folders differ)."""
    return [(p.file.replace(str(config.data_dir), "data"), p.line, p.message, p.focus, p.path, p.fix)
            for p in error.problems]


def assert_same(fast: dict, slow: dict) -> None:
    for part in slow:
        assert fast[part] == slow[part], (part, fast[part] if part != "quads" else "")


def test_changed_procedure_gives_the_full_build(twins):
    passport = (twins[0].data_dir / PASSPORT).read_text()
    changed = passport.replace("235000", "240000").replace("Apply in person.", "Apply in person with a photo.")
    change_both(twins, PASSPORT, changed)
    fast, slow = build_both(twins)
    assert_same(fast, slow)
    assert fast["info"]["history"]["changed"] == 1
    assert any("240000" in line for line in fast["quads"])


def test_procedure_moving_to_another_institution_graph_gives_the_full_build(twins):
    passport = (twins[0].data_dir / PASSPORT).read_text()
    change_both(twins, PASSPORT, passport.replace("authority: [institution/police]", "authority: [institution/registry]"))
    fast, slow = build_both(twins)
    assert_same(fast, slow)
    assert "https://data.isoko.bi/graph/institution/police" not in fast["info"]["graphs"]


def test_added_and_removed_procedures_give_the_full_build(twins):
    change_both(twins, "procedure/renew-passport.yaml", NEW_PROCEDURE)
    fast, slow = build_both(twins)
    assert_same(fast, slow)
    assert fast["info"]["procedures"] == 3 and fast["info"]["history"]["created"] == 1
    assert any("example.org/renew/form> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in q for q in fast["quads"])

    change_both(twins, "procedure/renew-passport.yaml", None)
    fast, slow = build_both(twins)
    assert_same(fast, slow)
    assert fast["info"]["procedures"] == 2 and fast["info"]["history"]["removed"] == 1
    assert not any("example.org/renew/form>" in q for q in fast["quads"])


def test_changed_document_in_a_shared_graph_gives_the_full_build(twins):
    document = "document/passport.yaml"
    text = (twins[0].data_dir / document).read_text().replace("Passport}", "Passport or travel document}")
    change_both(twins, document, text)
    fast, slow = build_both(twins)
    assert_same(fast, slow)


def test_changed_institution_and_place_give_the_full_build(twins):
    """An institution's title is inferred from its name (ontology/rules/), procedures point at it,
    and a place is read with what the administrative map adds."""
    police = (twins[0].data_dir / "institution/police.yaml").read_text()
    change_both(twins, "institution/police.yaml",
                police.replace("Border police}", "Border police of Burundi}").replace("PF", "PAF")
                .replace("Police des frontières", "Police de l'air et des frontières"))
    fast, slow = build_both(twins)
    assert_same(fast, slow)
    assert any("Police de l'air" in line and "terms/title" in line for line in fast["quads"])
    place = (twins[0].data_dir / "place/burundi.yaml").read_text()
    change_both(twins, "place/burundi.yaml", place.replace("en: Burundi}", "en: Republic of Burundi}"))
    fast, slow = build_both(twins)
    assert_same(fast, slow)


def test_without_history_the_same_as_well(twins):
    off = tuple(replace(config, history=False) for config in twins)
    for config in off:
        build(config, full=True)  # the history setting is part of inputs_key: a full build first
    passport = (off[0].data_dir / PASSPORT).read_text()
    change_both(off, PASSPORT, passport.replace("P3D", "P5D"))
    fast, slow = build_both(off)
    assert_same(fast, slow)
    assert not (current_build(off[0]) / "history.sqlite").exists()


def test_bad_change_gives_the_full_builds_problems_and_keeps_serving(twins):
    incremental, full = twins
    served = current_build(incremental)
    # an unchanged procedure requires this document: removing it breaks that procedure, not this file
    change_both(twins, "document/birth-certificate.yaml", None)
    with pytest.raises(ProblemsFound) as fast:
        build(incremental)
    with pytest.raises(ProblemsFound) as slow:
        build(full, full=True)
    assert located(fast.value, incremental) == located(slow.value, full)
    assert any(p.file.endswith("procedure/passport.yaml") for p in fast.value.problems)
    assert current_build(incremental) == served
    assert not list(incremental.builds_dir.glob(".tmp-*"))

    write(incremental, "document/birth-certificate.yaml", "title: {fr: [unclosed\n")
    write(full, "document/birth-certificate.yaml", "title: {fr: [unclosed\n")
    with pytest.raises(ProblemsFound) as fast:
        build(incremental)
    with pytest.raises(ProblemsFound) as slow:
        build(full, full=True)
    assert located(fast.value, incremental) == located(slow.value, full)
    assert "YAML" in fast.value.problems[0].message
    assert current_build(incremental) == served


def test_other_shapes_or_code_make_a_full_build(twins, tmp_path, monkeypatch):
    incremental, _ = twins
    root = tmp_path / "root"
    for folder in ("ontology", "shapes"):
        shutil.copytree(incremental.root / folder, root / folder)
    moved = replace(incremental, root=root)
    assert inputs_key(moved) == inputs_key(incremental)  # where the checkout lives does not matter
    (root / "shapes" / "extra.ttl").write_text("# one more shape file\n")
    assert inputs_key(moved) != inputs_key(incremental)

    monkeypatch.setattr(build_module, "inputs_key", lambda config: "another version of the code")
    change_both(twins, PASSPORT, (incremental.data_dir / PASSPORT).read_text().replace("P3D", "P4D"))
    assert "patch" not in build(incremental).seconds
    write(incremental, PASSPORT, (incremental.data_dir / PASSPORT).read_text().replace("P4D", "P5D"))
    assert "patch" in build(incremental).seconds  # the full build's manifest holds the new key
