"""The prerequisite tree (browser_ui/analysis/prerequisites.py): on a synthetic graph, and exact on the
small catalogue with known chains (tests/analysis_catalogue.py)."""

from __future__ import annotations

from browser_ui.analysis import graph as gr, prerequisites as pq, true_cost as tc
from tests.analysis_catalogue import D, I, P, graph_for, shape
from tests.analysis_catalogue import chains, store  # noqa: F401 (fixtures)


def test_tree_of_a_synthetic_graph_is_finite_and_bounded():
    graph = gr.Graph(inputs={"a": ["d1", "d2"], "b": ["d1"], "c": ["d2"]},
                     issuers={"d1": ["b", "c"], "d2": ["a", "c"]})
    tree = pq.prerequisite_tree(graph, "a")
    # every cycle once (whatever node it is met from), in the order found
    assert tree.cycles == [("b", "b"), ("a", "b", "c", "a"), ("c", "c"), ("a", "c", "a"), ("a", "a")]
    assert all(n.cycle for n in tree.root.walk() if n.iri == "a" and n.depth)
    assert tree.depth == 2 and tree.longest == ("a", "b", "c") and not tree.truncated
    small = pq.prerequisite_tree(graph, "a", max_nodes=3)
    assert small.truncated and all(not n.documents for n in small.root.walk() if n.truncated)


def test_prerequisite_tree_exact(store):
    graph = graph_for(store, [P + "business-licence"])
    tree = pq.prerequisite_tree(graph, P + "business-licence")
    birth = ("birth-registration", 1, False, False, ())
    assert shape(tree.root) == (
        "business-licence", 0, False, False, (
            ("birth-certificate", (birth,)),
            ("company-statutes", (
                ("notary-deed", 1, False, False, ()),
                ("statutes-filing", 1, False, False, (
                    ("birth-certificate", (("birth-registration", 2, False, True, ()),)),)))),
            ("passport-photo", ()),
            ("tax-certificate", (
                ("tax-number", 1, False, False, (
                    ("passport", (
                        ("passport", 2, False, False, (
                            ("birth-certificate", (("birth-registration", 3, False, True, ()),)),)),)),)),)),
        ))
    assert tree.depth == 3 and tree.cycles == [] and not tree.truncated
    assert tree.longest == tuple(P + s for s in ("business-licence", "tax-number", "passport", "birth-registration"))
    assert tree.procedures == [P + s for s in ("business-licence", "birth-registration", "notary-deed",
                                               "statutes-filing", "tax-number", "passport")]
    # institutions of every node come from the graph
    assert graph.fact(P + "tax-number").institutions == {I + "tax-office"}


def test_tree_rows_flatten_every_document_and_issuer(store):
    graph = graph_for(store, [P + "residence-card"])
    tree = pq.prerequisite_tree(graph, P + "residence-card")
    tc.true_cost(graph, tree)
    rows = [(r["depth"], r["procedure"].removeprefix(P), r["document"].removeprefix(D), r["issuer"].removeprefix(P),
             r["cycle"], r["counted"]) for r in pq.tree_rows(tree)]
    assert rows == [(1, "residence-card", "work-permit", "work-permit", False, True),
                    (2, "work-permit", "residence-card", "residence-card", True, False)]


def test_requirement_rows_in_the_documented_querys_order(store):
    # sorted in Python, not by the store (requirement_rows): the same rows in the same order as the
    # published query with its ORDER BY, for one root and for every procedure at once
    from browser_ui.analysis.common import procedures, query_text, select, with_roots
    every = procedures(store)
    for roots in ([P + "business-licence"], [P + "passport"], every):
        ordered = select(store, with_roots(query_text(pq.TREE_QUERY), roots))
        assert pq.requirement_rows(store, roots) == ordered
