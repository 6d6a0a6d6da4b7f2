"""The SPARQL workbench's server side (sparql_endpoint/workbench_assets.py): hashed bundles served
from the manifest only, immutable and pre-compressed; the page without a bundle has no script; the
workbench pages' CSP; the examples in the reader's language and the vocabulary for completion."""

from __future__ import annotations

import gzip
import json

import pytest

from isoko.app import create_app
from sparql_endpoint import workbench_assets
from sparql_endpoint.examples import examples

CPSV = "http://purl.org/vocab/cpsv#"


@pytest.fixture
def dist(tmp_path, monkeypatch):
    """An empty bundle folder in place of sparql_endpoint/static/dist."""
    folder = tmp_path / "dist"
    folder.mkdir()
    monkeypatch.setattr(workbench_assets, "DIST", folder)
    monkeypatch.setattr(workbench_assets, "_manifest", (-1.0, {}))
    return folder


@pytest.fixture
def bundled(dist):
    """A bundle as tools/workbench/build.mjs writes it: hashed files, their .gz, the manifest."""
    files = {"workbench.js": ("workbench.AB12CD34.js", b"console.log('workbench');\n" * 40),
             "workbench.css": ("workbench.EF56GH78.css", b".yasgui{color:#000}\n" * 40)}
    for name, body in files.values():
        (dist / name).write_bytes(body)
        (dist / f"{name}.gz").write_bytes(gzip.compress(body))
    (dist / "stray.js").write_bytes(b"not in the manifest")
    (dist / "manifest.json").write_text(json.dumps({key: name for key, (name, _) in files.items()}))
    return {key: name for key, (name, _) in files.items()}


def test_without_a_bundle_the_query_page_has_no_script(built, dist):
    page = create_app(built).test_client().get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert b"<script" not in page.data and b'id="query"' in page.data


def test_the_query_page_loads_the_hashed_bundle_under_the_workbench_csp(built, bundled):
    client = create_app(built).test_client()
    page = client.get("/sparql?lang=fr", headers={"Accept": "text/html"})
    assert f'<script type="module" src="/static/dist/{bundled["workbench.js"]}"'.encode() in page.data
    assert f'data-stylesheet="/static/dist/{bundled["workbench.css"]}"'.encode() in page.data
    assert b"/sparql/workbench.json?lang=fr" in page.data
    assert page.headers["Content-Security-Policy"] == workbench_assets.CONTENT_SECURITY_POLICY
    dependencies = client.get("/analysis/dependencies?lang=fr", headers={"Accept": "text/html"})
    assert dependencies.headers["Content-Security-Policy"] == workbench_assets.CONTENT_SECURITY_POLICY
    home = client.get("/?lang=fr", headers={"Accept": "text/html"})
    assert b"/static/dist/" not in home.data
    assert "'unsafe-inline'" not in home.headers["Content-Security-Policy"]  # the site's own, stricter


def test_bundles_are_immutable_and_sent_compressed_when_accepted(config, bundled, dist):
    client = create_app(config).test_client()
    name = bundled["workbench.js"]
    compressed = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "gzip"})
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert compressed.mimetype == "text/javascript"
    assert gzip.decompress(compressed.data) == (dist / name).read_bytes()
    plain = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == (dist / name).read_bytes()
    assert client.get(f"/static/dist/{bundled['workbench.css']}").mimetype == "text/css"
    for unlisted in ("stray.js", "manifest.json", "missing.js"):
        assert client.get(f"/static/dist/{unlisted}").status_code == 404, unlisted


@pytest.mark.parametrize("language", ["fr", "en", "rn"])
def test_examples_and_messages_come_in_the_readers_language(built, language):
    answer = create_app(built).test_client().get(f"/sparql/workbench.json?lang={language}")
    assert answer.status_code == 200 and "max-age=3600" in answer.headers["Cache-Control"]
    body = answer.get_json()
    written_in = "en" if language == "en" else "fr"
    assert [(e["name"], e["title"], e["description"], e["lang"], e["query"]) for e in body["examples"]] == [
        (e.name, e.title_in(language), e.description_in(language), written_in, e.body) for e in examples()]
    assert body["messages"]["open"] == ("Open and run" if language == "en" else "Ouvrir et exécuter")
    assert body["messages"]["nodes"] == ("{count} nodes" if language == "en" else "{count} nœuds")


def test_the_vocabulary_lists_our_prefixes_and_the_builds_terms(built):
    client = create_app(built).test_client()
    answer = client.get("/sparql/vocabulary.json")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["prefixes"]["cpsv"] == CPSV
    classes = {term["iri"]: term.get("label") for term in body["classes"]}
    properties = {term["iri"] for term in body["properties"]}
    assert CPSV + "PublicService" in classes
    assert "http://data.europa.eu/m8g/hasCompetentAuthority" in properties
    assert CPSV + "PublicService" not in properties and CPSV + "hasInput" not in classes
    again = client.get("/sparql/vocabulary.json", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
