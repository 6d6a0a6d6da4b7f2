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


def test_the_map_sorted_here_as_the_documented_query_sorts(store):
    # dependency_map drops the query's ORDER BY (slow on a large store) and sorts the edges itself:
    # the published query does end with that ORDER BY, and both give the same edges in the same order
    published = common.query_text(dm.MAP_QUERY)
    assert common.without_order_by(dm.MAP_ORDER_BY, published) is not None
    for level in dm.LEVELS:
        rows = common.plain(store.select(dm.with_level(published, level)))
        ordered = [(r["issuer"], r["requirer"], int(r["procedures"])) for r in rows]
        edges = dm.dependency_map(store, level)
        assert [(e.issuer, e.requirer, e.weight) for e in edges] == ordered
        assert edges == dm.dependency_edges(rows)


def test_level_set_in_the_outer_values_only():
    # the roll-up subqueries list both levels; only the query's own choice of level is changed
    query = dm.with_level(common.query_text(dm.MAP_QUERY), "top")
    assert query.count('VALUES ?level { "top" }') == 1
    assert query.count('VALUES ?level { "institution" "top" }') == 2
    assert query.index('VALUES ?level { "top" }') < query.index("SELECT ?level")
