"""Hostile data and requests: everything escaped, web links only, headers set, the service read-only."""

import json
import re

import pytest

from isoko.app import create_app
from loaders.build import build, check_sources
from tests.conftest import write

SCRIPT = "<script>alert(1)</script>"
PAGES = ["/", "/procedures", "/id/procedure/evil", "/id/procedure/evil?view=data", "/id/procedure/evil/checklist",
         "/id/institution/registry", "/id/document/birth-certificate", "/institutions", "/faq", "/glossary",
         "/search?q=alert", "/sparql", "/catalog"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    import shutil
    from isoko.config import Config
    from tests.conftest import FIXTURE
    root = tmp_path_factory.mktemp("security")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    write(config, "procedure/evil.yaml", f"""title: {{fr: "{SCRIPT}", en: "x\\" onmouseover=\\"alert(1)"}}
description: {{fr: "</script><script>alert(2)</script>", en: "<img src=x onerror=alert(3)>"}}
authority: [institution/registry]
fee:
  - amount: 1
    currency: BIF
    description: {{fr: "<b>gras</b>"}}
note: {{fr: "{{{{ 7*7 }}}} ${{7*7}}"}}
source: ["https://example.org/a?b=1"]
checked: 2026-11-26
""")
    build(config)
    return create_app(config).test_client()


@pytest.mark.parametrize("path", PAGES)
def test_data_is_escaped_everywhere(client, path):
    for lang in ("rn", "fr", "en"):
        response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers={"Accept": "text/html"})
        assert response.status_code in (200, 404, 503), response.status_code
        page = response.data.decode()
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>gras" not in page
        assert 'onmouseover="alert' not in page
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S):
            assert "<" not in block
            json.loads(block)


def test_template_syntax_in_data_is_shown_as_text(client):
    page = client.get("/id/procedure/evil?lang=fr").data.decode()
    assert "{{ 7*7 }}" in page and "${7*7}" in page


def test_non_web_links_are_refused_by_validation(config):
    write(config, "document/passport.yaml", "title: {fr: P}\npage: ['javascript:alert(1)']\n")
    write(config, "institution/police.yaml", "name: {fr: P}\nplace: [place/burundi]\nwebsite: 'data:text/html,x'\n"
                                               "source: [https://example.org/x]\n")
    messages = [p.message for p in check_sources(config)]
    assert any("`page` must be a web address" in m for m in messages)
    assert any("`website` must be a web address" in m for m in messages)


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/sparql?query=ASK%7B%7D", "/id/procedure/evil.ttl", "/catalog", "/nothing"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_no_inline_script_or_handlers_in_pages(client):
    for path in ("/", "/id/procedure/evil", "/sparql", "/institutions", "/analysis/dependencies"):
        page = client.get(path).data.decode()
        # data blocks (JSON-LD, JSON) and our own script files only: never a script written in the page
        scripts = re.findall(r"<script((?![^>]*application/(?:ld\+)?json)[^>]*)>(.*?)</script>", page, re.DOTALL)
        assert all(re.search(r'\ssrc="/static/dist/[^"]+"', tag) and not body.strip() for tag, body in scripts), scripts
        assert not re.search(r"<[^>]*\son[a-z]+=", page)


def test_language_switch_is_no_open_redirect(client):
    for value in ("https://evil.example", "//evil.example", "../../etc", "en\r\nSet-Cookie: x=1"):
        response = client.get("/", query_string={"lang": value})
        assert response.status_code == 200 and "Location" not in response.headers
        assert "evil" not in response.headers.get("Set-Cookie", "")


def test_read_only_and_size_limits(client):
    assert client.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert client.delete("/sparql").status_code == 405
    assert client.put("/id/procedure/evil", data="x").status_code == 405
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    assert client.post("/sparql", data=huge, content_type="application/sparql-query").status_code == 413


def test_federated_queries_are_refused_and_the_word_service_is_not(client):
    """SERVICE would make the server call any URL a caller names (a door into its network)."""
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
                  "select * where { ?x ?y ?z . service silent ?endpoint { ?s ?p ?o } }"):
        response = client.post("/sparql", data={"query": query})
        assert response.status_code == 400
        assert b"SERVICE" in response.data
    harmless = ('SELECT ?service WHERE { ?service <http://purl.org/dc/terms/title> "SERVICE <x> {}" } '
                "# SERVICE <http://127.0.0.1:1/>")
    response = client.post("/sparql", data={"query": harmless}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.get_json()["head"]["vars"] == ["service"]
