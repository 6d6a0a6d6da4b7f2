"""Entity pages of the real catalogue weigh at most 30 KB with their CSS (uncompressed), in every language."""

import pytest

from isoko.app import create_app
from isoko.config import ROOT, Config
from loaders.build import build

LIMIT = 30 * 1024


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("weight") / "var")
    build(config)
    return create_app(config).test_client()


def test_heaviest_entity_pages_fit_in_30_kb(client):
    css = len(client.get("/static/style.css").data)
    heaviest = []
    for kind in ("procedure", "institution", "document"):
        for path in sorted((ROOT / "data" / kind).glob("*.yaml")):
            for lang in ("rn", "fr", "en") if kind == "procedure" else ("rn",):
                response = client.get(f"/id/{kind}/{path.stem}?lang={lang}")
                assert response.status_code == 200, path
                heaviest.append((len(response.data) + css, f"{kind}/{path.stem}?lang={lang}"))
    heaviest.sort(reverse=True)
    assert heaviest[0][0] <= LIMIT, f"too heavy: {heaviest[:5]}"


def test_the_query_page_fits_in_30_kb_without_javascript(client):
    css = len(client.get("/static/style.css").data)
    for lang in ("rn", "fr", "en"):
        response = client.get(f"/sparql?lang={lang}", headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Content-Encoding" not in response.headers  # the test client asks for no compression
        assert len(response.data) + css <= LIMIT, f"/sparql?lang={lang}: {len(response.data)} + {css} bytes"
