"""True cost and time (browser_ui/analysis/true_cost.py, the tariffs of graph.py): exact sums and flags on
the small catalogue with known chains, cycles counted once."""

from __future__ import annotations

from browser_ui.analysis import common, graph as gr, prerequisites as pq, true_cost as tc
from tests.analysis_catalogue import D, P, graph_for, shape
from tests.analysis_catalogue import chains, store  # noqa: F401 (fixtures)


def test_lowest_tariff_prefers_burundi_francs_and_never_converts():
    facts = gr.Facts("x", tariffs={"a": gr.Tariff(65, "EUR", "a"), "b": gr.Tariff(30000, "BIF", "b"),
                                   "c": gr.Tariff(1500, "BIF", "c")})
    assert facts.tariff == gr.Tariff(1500, "BIF", "c")
    foreign = gr.Facts("y", tariffs={"a": gr.Tariff(540, "USD", "a"), "b": gr.Tariff(65, "EUR", "b")})
    assert foreign.tariff == gr.Tariff(65, "EUR", "b")  # no BIF: the first currency alphabetically


def test_true_cost_and_time_exact(store):
    graph = graph_for(store, [P + "business-licence"])
    cost = tc.true_cost(graph, pq.prerequisite_tree(graph, P + "business-licence"))
    assert cost.counted == [P + s for s in ("business-licence", "birth-registration", "tax-number", "passport",
                                            "notary-deed")]
    # 30,000 (the lower of two tariffs) + 0 (birth) + 235,000 (passport) BIF; 20 USD (notary): never converted
    assert cost.totals == {"BIF": 265000.0, "USD": 20.0}
    assert cost.missing_fee == [P + "tax-number"] and cost.cost_at_least
    # 2 days (PT48H) + 30 (P1M) + 3 (P3D) + birth registration (no time)
    assert cost.days == 35.0 and cost.time_at_least and cost.missing_time == [P + "birth-registration"]
    assert cost.chain == [P + s for s in ("business-licence", "tax-number", "passport", "birth-registration")]
    lower = gr.Tariff(30000.0, "BIF", P + "business-licence#fee-2")
    assert cost.several_tariffs == [(P + "business-licence", lower, 2)]
    assert cost.alternatives == [tc.Alternative(D + "company-statutes", P + "notary-deed", [P + "statutes-filing"])]
    assert cost.uncatalogued == [D + "passport-photo"] and cost.cycle_only == []


def test_true_cost_rows_for_a_known_chain_are_the_documented_querys(store):
    rows = store.select("SELECT ?p WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> }")
    procedures = [r["p"] for r in common.plain(rows)]
    assert len(procedures) > 3
    for root in procedures:
        tree = common.plain(store.select(common.with_roots(common.query_text(pq.TREE_QUERY), [root])))
        documented = common.plain(store.select(common.with_roots(common.query_text(tc.COST_QUERY), [root])))
        known = common.plain(store.select(tc.with_chain(common.query_text(tc.COST_QUERY), pq.chain_of(tree, root))))
        assert known == documented, root


def test_a_chain_with_every_fact_is_exact_and_not_at_least(store):
    graph = graph_for(store, [P + "passport"])
    tree = pq.prerequisite_tree(graph, P + "passport")
    cost = tc.true_cost(graph, tree)
    assert shape(tree.root) == ("passport", 0, False, False, (
        ("birth-certificate", (("birth-registration", 1, False, False, ()),)),))
    assert cost.totals == {"BIF": 235000.0} and not cost.cost_at_least and cost.missing_fee == []
    assert cost.days == 3.0 and cost.missing_time == [P + "birth-registration"]


def test_a_cycle_is_detected_reported_and_counted_once(store):
    graph = graph_for(store, [P + "residence-card"])
    tree = pq.prerequisite_tree(graph, P + "residence-card")
    assert shape(tree.root) == ("residence-card", 0, False, False, (
        ("work-permit", (("work-permit", 1, False, False, (
            ("residence-card", (("residence-card", 2, True, False, ()),)),)),)),))
    assert tree.cycles == [(P + "residence-card", P + "work-permit", P + "residence-card")]
    assert tree.depth == 1 and tree.longest == (P + "residence-card", P + "work-permit")
    cost = tc.true_cost(graph, tree)
    assert cost.counted == [P + "residence-card", P + "work-permit"]
    assert cost.totals == {"USD": 50.0} and cost.missing_fee == [P + "residence-card"] and cost.cost_at_least
    assert cost.days == 375.0 and not cost.time_at_least  # P10D + P1Y
    assert cost.cycle_only == [D + "residence-card"]
