"""The cross-ministry dependency map (browser_ui/analysis/dependency_map.py): edges, weights, roll-up
to top-level institutions and the SVG layout."""

from __future__ import annotations

from browser_ui.analysis import common, dependency_map as dm
from tests.analysis_catalogue import D, I, P
from tests.analysis_catalogue import chains, store  # noqa: F401 (fixtures)


def test_dependency_edges_and_weights(store):
    edges = dm.dependency_edges(common.plain(store.select(common.query_text(dm.MAP_QUERY))))
    found = [(e.issuer.removeprefix(I), e.requirer.removeprefix(I), e.weight, [p.removeprefix(P) for p in e.procedures])
             for e in edges]
    assert found == [
        ("registry", "trade-ministry", 2, ["business-licence", "statutes-filing"]),
        ("labour", "police", 1, ["residence-card"]),
        ("notaries", "trade-ministry", 1, ["business-licence"]),
        ("police", "labour", 1, ["work-permit"]),
        ("police", "tax-office", 1, ["tax-number"]),
        ("registry", "police", 1, ["passport"]),
        ("tax-office", "trade-ministry", 1, ["business-licence"]),
    ]
    assert edges[0].documents == [D + "birth-certificate"]
    top = dm.dependency_edges(common.plain(store.select(dm.with_level(common.query_text(dm.MAP_QUERY), "top"))))
    # police rolls up to registry, notaries to trade-ministry: their edges inside one top-level vanish
    assert [(e.issuer.removeprefix(I), e.requirer.removeprefix(I), e.weight) for e in top] == [
        ("registry", "trade-ministry", 2), ("labour", "registry", 1), ("registry", "labour", 1),
        ("registry", "tax-office", 1), ("tax-office", "trade-ministry", 1)]
    layout = dm.map_layout(edges)
    assert [b.iri.removeprefix(I) for b in layout.issuers] == ["registry", "police", "labour", "notaries", "tax-office"]
    assert len(layout.curves) == len(edges) and layout.height == 24 * (2 + 5)
