"""The generic entity page and its RDF twins find an entity's `#` nodes from its own triples."""

from __future__ import annotations

import pyoxigraph as ox

from browser_ui.views import _described
from sparql_endpoint.store import OxigraphStore

E = "https://data.isoko.bi/id/office/o"
P = ox.NamedNode("https://example.org/p")


def test_nested_nodes_at_any_depth_and_only_those():
    store = OxigraphStore()
    store.load([ox.Quad(ox.NamedNode(E), P, ox.NamedNode(E + "#contact")),
                ox.Quad(ox.NamedNode(E + "#contact"), P, ox.NamedNode(E + "#address")),
                ox.Quad(ox.NamedNode(E + "#address"), P, ox.Literal("Gitega")),
                ox.Quad(ox.NamedNode(E + "#address"), P, ox.NamedNode(E + "#contact")),  # a loop ends
                ox.Quad(ox.NamedNode(E), P, ox.NamedNode("https://data.isoko.bi/id/office/other#x")),
                ox.Quad(ox.NamedNode(E + "x#y"), P, ox.Literal("another entity's node"))])
    assert _described(store, E) == [E, E + "#contact", E + "#address"]
    assert _described(store, E + "-missing") == [E + "-missing"]


def test_procedures_are_listed_a_page_at_a_time_in_title_order(built, monkeypatch):
    import re

    from browser_ui import paging
    from isoko.app import create_app

    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    client = create_app(built).test_client()
    shown, page, pages = [], 1, None
    while True:
        html = client.get(f"/procedures?page={page}&lang=en").get_data(as_text=True)
        titles = re.findall(r'<li><a href="/id/procedure/[^"]+"[^>]*>([^<]+)</a>', html)
        assert len(titles) == 1
        shown += titles
        pages = int(re.search(r"page \d+ of (\d+)", html).group(1))
        assert ('rel="next"' in html) == (page < pages) and ('rel="prev"' in html) == (page > 1)
        if page == pages:
            break
        page += 1
    total = int(re.search(r"All procedures \((\d+)\)", html).group(1))
    assert len(shown) == total == len(set(shown)) and pages == total > 1
    assert shown == sorted(shown, key=str.casefold)
    # out of range: the nearest page, not an error
    assert client.get("/procedures?page=999&lang=en").status_code == 200
    assert f"page {pages} of {pages}" in client.get("/procedures?page=999&lang=en").get_data(as_text=True)
