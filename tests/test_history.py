"""Change history (issue 15): versions per build, the change stream, Atom feeds, history pages,
`isoko diff`/`isoko history` and the versions in SPARQL, after a fee, an office and a document change."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from isoko.app import create_app
from isoko.cli import main
from loaders.build import KEEP_BUILDS, build, current_build
from loaders.problems import ProblemsFound
from sparql_endpoint.current import CurrentBuild
from sparql_endpoint.history import FILE_NAME, History

from .conftest import write

ID = "https://data.isoko.bi/id/"
OFFICE = """name: {fr: Poste de police de Gitega, en: Gitega police post}
type: channeltype:in-person
owner: [institution/police]
hours: {fr: Du lundi au vendredi, en: Monday to Friday}
source: [https://example.org/office]
"""
ATOM = "{http://www.w3.org/2005/Atom}"


def _history(config) -> History:
    return History(current_build(config) / FILE_NAME)


def _versions(config) -> int:
    with sqlite3.connect(current_build(config) / FILE_NAME) as db:
        return db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]


def _info(config) -> dict:
    return json.loads((current_build(config) / "build.json").read_text())


@pytest.fixture
def changed(config):
    """The fixture catalogue with an office, built; then a fee raised, the office's hours changed
    and the passport document removed, built again."""
    write(config, "office/gitega.yaml", OFFICE)
    build(config)
    passport = config.data_dir / "procedure" / "passport.yaml"
    text = passport.read_text().replace("amount: 235000", "amount: 250000")
    passport.write_text(text.replace("produces: [document/passport]\n", ""))
    write(config, "office/gitega.yaml", OFFICE.replace("Monday to Friday", "Monday to Saturday"))
    (config.data_dir / "document" / "passport.yaml").unlink()
    build(config)
    return config


def test_first_build_creates_a_version_of_every_entity(built):
    history = _history(built)
    assert _info(built)["history"]["created"] == _versions(built) > 10
    assert [v.change for v in history.versions_of(ID + "procedure/passport")] == ["created"]
    version = history.versions_of(ID + "procedure/passport")[0]
    quads = list(ox.parse(version.description, format=ox.RdfFormat.N_QUADS))
    assert {q.subject.value for q in quads} == {ID + "procedure/passport", ID + "procedure/passport#fee-1"}


def test_a_rebuild_of_unchanged_sources_adds_no_version(built):
    before = _versions(built)
    build(built)
    assert _versions(built) == before
    assert _info(built)["history"] == {"created": 0, "changed": 0, "removed": 0, "versions": before}
    assert len(_history(built).builds()) == 2


def test_what_changed_is_recorded(changed):
    assert _info(changed)["history"] | {"versions": 0} == {"created": 0, "changed": 2, "removed": 1, "versions": 0}
    history = _history(changed)
    passport = history.versions_of(ID + "procedure/passport")
    assert [v.change for v in passport] == ["created", "changed"]
    assert set(passport[-1].properties) == {"http://data.europa.eu/m8g/hasCost", "http://purl.org/vocab/cpsv#produces"}
    assert b'"250000"' in passport[-1].description and b'"235000"' in passport[0].description
    removed = history.versions_of(ID + "document/passport")
    assert [v.change for v in removed] == ["created", "removed"] and removed[-1].description == b""
    assert [v.change for v in history.versions_of(ID + "office/gitega")] == ["created", "changed"]


def test_failed_and_interrupted_builds_add_no_version(changed, monkeypatch):
    before, builds = _versions(changed), len(_history(changed).builds())
    write(changed, "procedure/broken.yaml", "title: {fr: Sans description}\n")
    with pytest.raises(ProblemsFound):
        build(changed)
    (changed.data_dir / "procedure" / "broken.yaml").unlink()
    (changed.data_dir / "procedure" / "passport.yaml").write_text(
        (changed.data_dir / "procedure" / "passport.yaml").read_text().replace("250000", "260000"))

    def disk_full(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr("loaders.build.write_search_index", disk_full)
    with pytest.raises(OSError):
        build(changed)
    assert (_versions(changed), len(_history(changed).builds())) == (before, builds)
    monkeypatch.undo()
    build(changed)  # the same change, now whole: one version, of the one changed procedure
    assert _versions(changed) == before + 1 and len(_history(changed).builds()) == builds + 1


def test_pruned_build_folders_keep_their_history(built):
    for _ in range(KEEP_BUILDS + 1):
        build(built)
    assert len(list(built.builds_dir.iterdir())) == KEEP_BUILDS
    assert len(_history(built).builds()) == KEEP_BUILDS + 2


def test_versions_are_in_the_store(changed):
    store = CurrentBuild(changed).get().store
    prefixes = ("PREFIX dct: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> "
                "PREFIX as: <https://www.w3.org/ns/activitystreams#> PREFIX isoko: <https://data.isoko.bi/def/isoko#> ")
    fees = store.select(prefixes + "SELECT ?e WHERE { GRAPH <https://data.isoko.bi/graph/versions> { ?v dct:isVersionOf ?e ; "
                        "a as:Update ; isoko:changedProperty <http://data.europa.eu/m8g/hasCost> ; prov:generatedAtTime ?t } }")
    assert [r["e"].value for r in fees] == [ID + "procedure/passport"]
    assert store.ask(prefixes + f"ASK {{ ?v a as:Delete ; dct:isVersionOf <{ID}document/passport> ; prov:wasRevisionOf ?old }}")


def test_change_stream_pages_and_members(changed):
    client = create_app(changed).test_client()
    root = client.get("/feed/ldes", headers={"Accept": "application/n-quads"})
    assert root.status_code == 200 and root.headers["Cache-Control"] == "public, max-age=60"
    quads = list(ox.parse(root.data, format=ox.RdfFormat.N_QUADS))
    assert any(q.object.value == "https://w3id.org/ldes#EventStream" for q in quads)
    pages = [q.object.value for q in quads if q.predicate.value == "https://w3id.org/tree#node"]
    assert pages == [f"http://localhost/feed/ldes/{n}" for n in range(len(pages))] and len(pages) >= 2
    first, last = (client.get(f"/feed/ldes/{n}", headers={"Accept": "application/trig"}) for n in (0, len(pages) - 1))
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert last.headers["Cache-Control"] == "public, max-age=60"
    members = list(ox.parse(last.data, format=ox.RdfFormat.TRIG))
    tombstone = f"{ID}document/passport/version/{_info(changed)['id']}"
    types = {q.object.value for q in members if q.subject.value == tombstone and q.predicate.value.endswith("#type")}
    assert types == {"https://www.w3.org/ns/activitystreams#Delete", "https://www.w3.org/ns/activitystreams#Tombstone"}
    fee = [q for q in members if q.subject.value == ID + "procedure/passport#fee-1" and q.predicate.value.endswith("hasValue")]
    assert [q.object.value for q in fee] == ["250000"] and fee[0].graph_name.value.endswith("institution/police")
    assert client.get(f"/feed/ldes/{len(pages)}").status_code == 404
    assert client.get("/feed/ldes/-1").status_code == 404 and client.get("/feed/ldes/x").status_code == 404
    assert client.get("/feed/ldes", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/feed/ldes?format=jsonld").content_type == "application/ld+json"


def test_history_page_entity_page_and_versions(changed):
    client = create_app(changed).test_client()
    page = client.get("/id/procedure/passport/history?lang=fr").get_data(as_text=True)
    assert "frais: 235 000 BIF → 250 000 BIF" in page.replace("\u202f", " ").replace("\xa0", " ")
    listed = client.get("/id/procedure/passport/history?format=json&lang=en").get_json()
    assert [v["change"] for v in listed["versions"]] == ["changed", "created"]
    assert "fee: 235,000 BIF → 250,000 BIF" in listed["versions"][0]["changes"]
    assert any(line.startswith("document issued: removed") for line in listed["versions"][0]["changes"])
    assert "Last changed in the catalogue on" in client.get("/id/procedure/passport?lang=en").get_data(as_text=True)
    version = client.get(listed["versions"][1]["href"], headers={"Accept": "text/turtle"})
    assert version.status_code == 200 and b'"235000"' in version.data
    assert client.get(listed["versions"][1]["href"]).status_code == 303
    assert client.get("/id/procedure/passport/version/20990101T000000Z-none").status_code == 404
    assert client.get("/id/procedure/nothing/history").status_code == 404
    assert client.get("/id/nokind/passport/history").status_code == 404


def test_atom_feeds(changed):
    client = create_app(changed).test_client()
    feed = ET.fromstring(client.get("/feed.atom?lang=en").data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    # newest first; within one build, in the order the versions were recorded (by entity IRI, reversed)
    assert titles[:3] == ["Changed: Get a passport", "Changed: Gitega police post", "Removed: Passport"]
    summaries = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")}
    assert "fee: 235,000 BIF → 250,000 BIF" in summaries["Changed: Get a passport"]
    french = ET.fromstring(client.get("/feed.atom?lang=fr").data)
    assert "Modifié : Obtenir un passeport" in [e.findtext(f"{ATOM}title") for e in french.iter(f"{ATOM}entry")]
    police = ET.fromstring(client.get("/feed/institution/police.atom?lang=en").data)
    police_titles = {e.findtext(f"{ATOM}title") for e in police.iter(f"{ATOM}entry")}
    assert "Changed: Get a passport" in police_titles and "Added: Register a birth" not in police_titles
    travel = ET.fromstring(client.get("/feed/theme/travel.atom?lang=en").data)
    assert {e.findtext(f"{ATOM}title") for e in travel.iter(f"{ATOM}entry")} == {"Changed: Get a passport",
                                                                              "Added: Get a passport"}
    future = ET.fromstring(client.get("/feed.atom?since=2999-01-01").data)
    assert list(future.iter(f"{ATOM}entry")) == []
    assert len(list(ET.fromstring(client.get("/feed.atom?since=2000-01-01T00:00:00Z").data).iter(f"{ATOM}entry"))) > 3
    bad = client.get("/feed.atom?since=last-tuesday")
    assert bad.status_code == 400 and b"is not a date" in bad.data
    assert client.get("/feed/theme/nothing.atom").status_code == 404
    assert client.get("/feed/institution/nothing.atom").status_code == 404


def test_isoko_diff_and_history(changed):
    runner, env = CliRunner(), {"ISOKO_DATA": str(changed.data_dir), "ISOKO_VAR": str(changed.var_dir)}
    text = runner.invoke(main, ["diff"], env=env)
    assert text.exit_code == 0, text.output
    assert "0 created, 2 changed, 1 removed" in text.output and f"- {ID}document/passport" in text.output
    assert "fee: 235,000 BIF → 250,000 BIF" in text.output
    report = json.loads(runner.invoke(main, ["diff", "--format", "json"], env=env).output)
    assert report["removed"] == [ID + "document/passport"]
    assert {c["entity"] for c in report["changed"]} == {ID + "procedure/passport", ID + "office/gitega"}
    added = runner.invoke(main, ["diff", "--format", "nquads-added"], env=env).output
    removed = runner.invoke(main, ["diff", "--format", "nquads-removed"], env=env).output
    assert '"250000"' in added and '"235000"' in removed and "Monday to Saturday" in added
    assert len(list(ox.parse(added.encode(), format=ox.RdfFormat.N_QUADS))) == added.count("\n")
    builds = _history(changed).builds()
    first = runner.invoke(main, ["diff", builds[0][1][:-3], builds[1][1]], env=env)  # a unique prefix
    assert first.exit_code == 0 and "fee: 235,000 BIF → 250,000 BIF" in first.output
    unknown = runner.invoke(main, ["diff", "nothing"], env=env)
    assert unknown.exit_code == 2 and "names no build" in unknown.output
    lines = runner.invoke(main, ["history", "procedure/passport"], env=env).output.splitlines()
    assert [line.split()[1] for line in lines if not line.startswith(" ")] == ["created", "changed"]
    missing = runner.invoke(main, ["history", "procedure/nothing"], env=env)
    assert missing.exit_code == 1 and "has no version" in missing.output
