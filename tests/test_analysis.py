"""The analyst workbench (issue 7): prerequisite trees, true cost and time, the dependency map, the
once-only report, data quality, and the SPARQL results table, on small catalogues with known
chains (exact trees, sums and flags), through the pages, and on the real catalogue."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from datetime import date

import pytest

from browser_ui import analysis as an
from browser_ui import workbench
from isoko.app import create_app
from loaders.build import build, current_build
from sparql_endpoint.current import CurrentBuild
from isoko.config import Config
from tests.conftest import FIXTURE, write
from tests.server import STORES, publish_to, running_store

ID = "https://data.isoko.bi/id/"
P, D, I = ID + "procedure/", ID + "document/", ID + "institution/"
TODAY = date(2026, 12, 1)

# The fixture (tests/fixtures/catalogue) has: birth-registration (registry; produces the birth
# certificate; fee 0 BIF; no time) and passport (police, a sub-organisation of registry; requires
# the birth certificate; 235,000 BIF; P3D; titles in rn/fr/en). Added here:
#   tax-number (tax-office): requires the passport; no fee; P1M; legal basis, office, rn title
#   business-licence (trade-ministry): requires tax certificate, company statutes, birth
#       certificate, passport photo; two tariffs (50,000 and 30,000 BIF); PT48H
#   notary-deed (notaries, under trade-ministry) and statutes-filing (trade-ministry) both issue
#       the company statutes: notary-deed 20 USD, P5D; statutes-filing no fee, P1D, requires the
#       birth certificate, checked in 2020
#   residence-card (police, no fee, P10D) requires the work permit that work-permit (labour,
#       50 USD, P1Y) issues, which requires the residence card: a cycle
SOURCES = "source: [https://example.org/x]\n"


def _institution(name: str, parent: str | None = None) -> str:
    return (f"name: {{fr: {name} FR, en: {name}}}\nplace: [place/burundi]\n{SOURCES}"
            + (f"parent: institution/{parent}\n" if parent else ""))


def _document(name: str) -> str:
    return f"title: {{fr: {name} FR, en: {name}}}\ntype: doctype:other\n"


def _procedure(title: str, authority: str, requires=(), produces=(), fees=(), time=None, checked="2026-11-26",
               extra="") -> str:
    text = (f"title: {{fr: {title} FR, en: {title}}}\ndescription: {{fr: D, en: D}}\n"
            f"authority: [institution/{authority}]\n")
    if requires:
        text += "requires: [" + ", ".join(f"document/{d}" for d in requires) + "]\n"
    if produces:
        text += "produces: [" + ", ".join(f"document/{d}" for d in produces) + "]\n"
    if fees:
        text += "fee:\n" + "".join(f"  - amount: {a}\n    currency: {c}\n" for a, c in fees)
    if time:
        text += f"processing_time: {time}\n"
    return text + extra + SOURCES + f"checked: {checked}\n"


def add_chains(config) -> None:
    for slug, name, parent in (("tax-office", "Tax office", None), ("trade-ministry", "Trade ministry", None),
                               ("notaries", "Notaries", "trade-ministry"), ("labour", "Labour office", None)):
        write(config, f"institution/{slug}.yaml", _institution(name, parent))
    for slug, name in (("tax-certificate", "Tax certificate"), ("company-statutes", "Company statutes"),
                       ("business-licence", "Business licence"), ("passport-photo", "Passport photo"),
                       ("residence-card", "Residence card"), ("work-permit", "Work permit")):
        write(config, f"document/{slug}.yaml", _document(name))
    write(config, "law/tax-code.yaml", f"title: {{fr: Code des impôts}}\ndate: 2020-01-01\n{SOURCES}")
    write(config, "office/tax-desk.yaml", "name: {fr: Guichet, en: Tax desk}\ntype: channeltype:in-person\n"
                                          f"owner: [institution/tax-office]\n{SOURCES}")
    write(config, "procedure/tax-number.yaml", _procedure(
        "Get a tax number", "tax-office", ["passport"], ["tax-certificate"], time="P1M",
        extra="legal_basis: [law/tax-code]\nchannel: [office/tax-desk]\n").replace(
        "title: {fr: Get a tax number FR,", "title: {rn: Ikarata, fr: Get a tax number FR,"))
    write(config, "procedure/business-licence.yaml", _procedure(
        "Get a business licence", "trade-ministry",
        ["tax-certificate", "company-statutes", "birth-certificate", "passport-photo"], ["business-licence"],
        fees=[(50000, "BIF"), (30000, "BIF")], time="PT48H"))
    write(config, "procedure/notary-deed.yaml", _procedure(
        "Have statutes drawn up", "notaries", produces=["company-statutes"], fees=[(20, "USD")], time="P5D"))
    write(config, "procedure/statutes-filing.yaml", _procedure(
        "File statutes", "trade-ministry", ["birth-certificate"], ["company-statutes"], time="P1D",
        checked="2020-01-01"))
    write(config, "procedure/residence-card.yaml", _procedure(
        "Get a residence card", "police", ["work-permit"], ["residence-card"], time="P10D"))
    write(config, "procedure/work-permit.yaml", _procedure(
        "Get a work permit", "labour", ["residence-card"], ["work-permit"], fees=[(50, "USD")], time="P1Y"))


@pytest.fixture
def chains(config):
    add_chains(config)
    build(config)
    return config


@pytest.fixture
def store(chains):
    return CurrentBuild(chains).get().store


@pytest.fixture
def client(chains, monkeypatch):
    monkeypatch.setattr(workbench, "today", lambda: TODAY)
    return create_app(chains).test_client()


def graph_for(store, roots: list[str]) -> an.Graph:
    return an.graph_from_rows(an.plain(store.select(an.with_roots(an.query_text(an.TREE_QUERY), roots))),
                              an.plain(store.select(an.with_roots(an.query_text(an.COST_QUERY), roots))))


def shape(node: an.ProcedureNode) -> tuple:
    """A tree as nested tuples: (procedure, depth, cycle, repeated, ((document, (issuers...)), ...))."""
    return (node.iri.removeprefix(P), node.depth, node.cycle, node.repeated,
            tuple((d.iri.removeprefix(D), tuple(shape(i) for i in d.issuers)) for d in node.documents))


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode())))


# --- pure functions ----------------------------------------------------------------------------

def test_durations_in_days():
    assert an.duration_days("P3D") == 3 and an.duration_days("P2M") == 60 and an.duration_days("P1Y") == 365
    assert an.duration_days("PT48H") == 2 and an.duration_days("P1W") == 7 and an.duration_days("PT36H") == 1.5
    assert an.duration_days("P1Y2M3DT12H") == 365 + 60 + 3 + 0.5
    assert an.duration_days("P") is None and an.duration_days("3 days") is None


def test_lowest_tariff_prefers_burundi_francs_and_never_converts():
    facts = an.Facts("x", tariffs={"a": an.Tariff(65, "EUR", "a"), "b": an.Tariff(30000, "BIF", "b"),
                                   "c": an.Tariff(1500, "BIF", "c")})
    assert facts.tariff == an.Tariff(1500, "BIF", "c")
    foreign = an.Facts("y", tariffs={"a": an.Tariff(540, "USD", "a"), "b": an.Tariff(65, "EUR", "b")})
    assert foreign.tariff == an.Tariff(65, "EUR", "b")  # no BIF: the first currency alphabetically


def test_query_parameters_are_set_in_the_documented_queries():
    tree = an.with_roots(an.query_text(an.TREE_QUERY), [P + "a", P + "b"])
    assert f"VALUES ?root {{ <{P}a> <{P}b> }}" in tree and "petroleum" not in tree
    assert 'VALUES ?level { "top" }' in an.with_level(an.query_text(an.MAP_QUERY), "top")
    since = an.with_since(an.query_text(an.COMPLETENESS_QUERY), date(2025, 12, 1))
    assert 'BIND("2025-12-01"^^xsd:date AS ?since)' in since and "NOW()" not in since
    assert an.year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    with pytest.raises(ValueError):
        an.with_level(an.query_text(an.MAP_QUERY), "ministry")


def test_tree_of_a_synthetic_graph_is_finite_and_bounded():
    graph = an.Graph(inputs={"a": ["d1", "d2"], "b": ["d1"], "c": ["d2"]},
                     issuers={"d1": ["b", "c"], "d2": ["a", "c"]})
    tree = an.prerequisite_tree(graph, "a")
    # every cycle once (whatever node it is met from), in the order found
    assert tree.cycles == [("b", "b"), ("a", "b", "c", "a"), ("c", "c"), ("a", "c", "a"), ("a", "a")]
    assert all(n.cycle for n in tree.root.walk() if n.iri == "a" and n.depth)
    assert tree.depth == 2 and tree.longest == ("a", "b", "c") and not tree.truncated
    small = an.prerequisite_tree(graph, "a", max_nodes=3)
    assert small.truncated and all(not n.documents for n in small.root.walk() if n.truncated)


# --- the small catalogue -----------------------------------------------------------------------

def test_prerequisite_tree_exact(store):
    graph = graph_for(store, [P + "business-licence"])
    tree = an.prerequisite_tree(graph, P + "business-licence")
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


def test_true_cost_and_time_exact(store):
    graph = graph_for(store, [P + "business-licence"])
    cost = an.true_cost(graph, an.prerequisite_tree(graph, P + "business-licence"))
    assert cost.counted == [P + s for s in ("business-licence", "birth-registration", "tax-number", "passport",
                                            "notary-deed")]
    # 30,000 (the lower of two tariffs) + 0 (birth) + 235,000 (passport) BIF; 20 USD (notary): never converted
    assert cost.totals == {"BIF": 265000.0, "USD": 20.0}
    assert cost.missing_fee == [P + "tax-number"] and cost.cost_at_least
    # 2 days (PT48H) + 30 (P1M) + 3 (P3D) + birth registration (no time)
    assert cost.days == 35.0 and cost.time_at_least and cost.missing_time == [P + "birth-registration"]
    assert cost.chain == [P + s for s in ("business-licence", "tax-number", "passport", "birth-registration")]
    lower = an.Tariff(30000.0, "BIF", P + "business-licence#fee-2")
    assert cost.several_tariffs == [(P + "business-licence", lower, 2)]
    assert cost.alternatives == [an.Alternative(D + "company-statutes", P + "notary-deed", [P + "statutes-filing"])]
    assert cost.uncatalogued == [D + "passport-photo"] and cost.cycle_only == []


def test_true_cost_rows_for_a_known_chain_are_the_documented_querys(store):
    rows = store.select("SELECT ?p WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> }")
    procedures = [r["p"] for r in an.plain(rows)]
    assert len(procedures) > 3
    for root in procedures:
        tree = an.plain(store.select(an.with_roots(an.query_text(an.TREE_QUERY), [root])))
        documented = an.plain(store.select(an.with_roots(an.query_text(an.COST_QUERY), [root])))
        known = an.plain(store.select(an.with_chain(an.query_text(an.COST_QUERY), an.chain_of(tree, root))))
        assert known == documented, root


def test_a_chain_with_every_fact_is_exact_and_not_at_least(store):
    graph = graph_for(store, [P + "passport"])
    tree = an.prerequisite_tree(graph, P + "passport")
    cost = an.true_cost(graph, tree)
    assert shape(tree.root) == ("passport", 0, False, False, (
        ("birth-certificate", (("birth-registration", 1, False, False, ()),)),))
    assert cost.totals == {"BIF": 235000.0} and not cost.cost_at_least and cost.missing_fee == []
    assert cost.days == 3.0 and cost.missing_time == [P + "birth-registration"]


def test_a_cycle_is_detected_reported_and_counted_once(store):
    graph = graph_for(store, [P + "residence-card"])
    tree = an.prerequisite_tree(graph, P + "residence-card")
    assert shape(tree.root) == ("residence-card", 0, False, False, (
        ("work-permit", (("work-permit", 1, False, False, (
            ("residence-card", (("residence-card", 2, True, False, ()),)),)),)),))
    assert tree.cycles == [(P + "residence-card", P + "work-permit", P + "residence-card")]
    assert tree.depth == 1 and tree.longest == (P + "residence-card", P + "work-permit")
    cost = an.true_cost(graph, tree)
    assert cost.counted == [P + "residence-card", P + "work-permit"]
    assert cost.totals == {"USD": 50.0} and cost.missing_fee == [P + "residence-card"] and cost.cost_at_least
    assert cost.days == 375.0 and not cost.time_at_least  # P10D + P1Y
    assert cost.cycle_only == [D + "residence-card"]


def test_tree_rows_flatten_every_document_and_issuer(store):
    graph = graph_for(store, [P + "residence-card"])
    tree = an.prerequisite_tree(graph, P + "residence-card")
    an.true_cost(graph, tree)
    rows = [(r["depth"], r["procedure"].removeprefix(P), r["document"].removeprefix(D), r["issuer"].removeprefix(P),
             r["cycle"], r["counted"]) for r in an.tree_rows(tree)]
    assert rows == [(1, "residence-card", "work-permit", "work-permit", False, True),
                    (2, "work-permit", "residence-card", "residence-card", True, False)]


def test_dependency_edges_and_weights(store):
    edges = an.dependency_edges(an.plain(store.select(an.query_text(an.MAP_QUERY))))
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
    top = an.dependency_edges(an.plain(store.select(an.with_level(an.query_text(an.MAP_QUERY), "top"))))
    # police rolls up to registry, notaries to trade-ministry: their edges inside one top-level vanish
    assert [(e.issuer.removeprefix(I), e.requirer.removeprefix(I), e.weight) for e in top] == [
        ("registry", "trade-ministry", 2), ("labour", "registry", 1), ("registry", "labour", 1),
        ("registry", "tax-office", 1), ("tax-office", "trade-ministry", 1)]
    layout = an.map_layout(edges)
    assert [b.iri.removeprefix(I) for b in layout.issuers] == ["registry", "police", "labour", "notaries", "tax-office"]
    assert len(layout.curves) == len(edges) and layout.height == 24 * (2 + 5)


def test_once_only_counts(store):
    carried = an.once_only(an.plain(store.select(an.query_text(an.ONCE_ONLY_QUERY))))
    assert [(c.document.removeprefix(D), len(c.procedures), [i.removeprefix(I) for i in c.issuers],
             [i.removeprefix(I) for i in c.requirers]) for c in carried] == [
        ("birth-certificate", 3, ["registry"], ["police", "trade-ministry"]),
        ("company-statutes", 1, ["notaries"], ["trade-ministry"]),  # trade-ministry's own issuer left out
        ("passport", 1, ["police"], ["tax-office"]),
        ("residence-card", 1, ["police"], ["labour"]),
        ("tax-certificate", 1, ["tax-office"], ["trade-ministry"]),
        ("work-permit", 1, ["labour"], ["police"]),
    ]


def test_quality_percentages_and_warnings(chains, store):
    report = json.loads((current_build(chains) / "quality.json").read_text())
    assert report["violations"] == 0 and report["shapes"] == ["shapes/quality/warnings.ttl"]
    assert report["counts"] == {"fee": 3, "legal_basis": 7, "office": 7, "time": 1, "title_rn": 6}
    assert {(w["focus"].removeprefix(P), w["fact"]) for w in report["warnings"] if "tax-number" in w["focus"]} == {
        ("tax-number", "fee")}
    assert all(w["file"].endswith(f"procedure/{w['focus'].removeprefix(P)}.yaml") for w in report["warnings"])
    rows = an.plain(store.select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), an.year_before(TODAY))))
    table = an.quality_table(rows, report["warnings"])
    summary = {e.institution.removeprefix(I): ([round(e.percent(f)) for f in an.FACTS], e.score, e.warnings)
               for e in table}
    #                  fee time law office fr  en  rn checked
    assert summary == {
        "registry": ([100, 0, 0, 0, 100, 100, 0, 100], 50.0, 4),
        "police": ([50, 100, 0, 0, 100, 100, 50, 100], 62.5, 6),
        "tax-office": ([0, 100, 100, 100, 100, 100, 100, 100], 87.5, 1),
        "trade-ministry": ([50, 100, 0, 0, 100, 100, 0, 50], 50.0, 7),
        "notaries": ([100, 100, 0, 0, 100, 100, 0, 100], 62.5, 3),
        "labour": ([100, 100, 0, 0, 100, 100, 0, 100], 62.5, 3),
    }
    assert [e.institution.removeprefix(I) for e in table] == [  # weakest first; ties: more procedures first
        "trade-ministry", "registry", "police", "labour", "notaries", "tax-office"]
    trade = next(e for e in table if e.institution == I + "trade-ministry")
    assert trade.missing["fee"] == trade.missing["recently_checked"] == [P + "statutes-filing"]
    by_fee = an.sort_quality(table, "fee", "desc")
    assert [e.institution.removeprefix(I) for e in by_fee][:3] == ["labour", "notaries", "registry"]
    # the documented aggregate query gives the same percentages as the page's sums
    aggregate = an.plain(store.select(an.with_since(an.query_text(an.QUALITY_QUERY), an.year_before(TODAY))))
    for row in aggregate:
        entry = next(e for e in table if e.institution == row["institution"])
        assert float(row["score"]) == pytest.approx(entry.score)
        assert all(float(row[f]) == pytest.approx(entry.percent(f)) for f in an.FACTS)


def test_checked_long_ago_counts_against_recency(store):
    rows = an.plain(store.select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), date(2026, 11, 27))))
    assert {r["procedure"] for r in rows if r["recently_checked"] == "true"} == set()
    rows = an.plain(store.select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), date(2019, 1, 1))))
    assert all(r["recently_checked"] == "true" for r in rows)


# --- pages and CSV -----------------------------------------------------------------------------

def test_index_links_every_page_and_the_rules(client):
    page = client.get("/analysis?lang=en").data.decode()
    for href in ("/analysis/costs", "/analysis/dependencies", "/analysis/once-only", "/analysis/quality", "/sparql"):
        assert f'href="{href}"' in page
    assert 'id="rules"' in page and "never converted" in page and "30" in page
    assert 'href="/analysis"' in client.get("/?lang=en").data.decode()  # the navigation link


def test_tree_page_and_csv(client):
    response = client.get("/analysis/tree/business-licence?lang=en")
    page = response.data.decode()
    assert response.status_code == 200
    assert "<h1>Prerequisites of Get a business licence</h1>" in page
    assert "at least <strong>265,000 BIF</strong>" in page and "at least <strong>20 USD</strong>" in page
    assert "at least <strong>35 days</strong>" in page
    assert "No fee stated for:" in page and 'href="/id/procedure/tax-number"' in page
    assert "2 tariffs, the lowest counted (30,000 BIF)" in page
    assert "alternatives not counted:" in page and 'href="/id/procedure/statutes-filing"' in page
    assert "Longest chain: 3 step(s); 6 procedures in the tree." in page
    assert 'href="/id/institution/tax-office"' in page and "<script" not in page
    rows = rows_of(client.get("/analysis/tree/business-licence?format=csv&lang=en"))
    assert list(rows[0]) == ["depth", "path", "procedure", "procedure_title", "document", "document_title",
                             "issuing_procedure", "issuing_procedure_title", "issuing_institutions", "cycle", "counted"]
    assert len(rows) == 8
    assert rows[-1] == {"depth": "3", "path": "business-licence > tax-number > passport", "procedure": P + "passport",
                        "procedure_title": "Get a passport", "document": D + "birth-certificate",
                        "document_title": "Birth certificate", "issuing_procedure": P + "birth-registration",
                        "issuing_procedure_title": "Register a birth", "issuing_institutions": I + "registry",
                        "cycle": "", "counted": "yes"}
    cycle = rows_of(client.get("/analysis/tree/residence-card?format=csv"))
    assert [r["cycle"] for r in cycle] == ["", "yes"]
    page = client.get("/analysis/tree/residence-card?lang=en").data.decode()
    assert "Cycles found:" in page and "cycle: this procedure is already on the chain above" in page
    assert client.get("/analysis/tree/nothing-here").status_code == 404
    assert client.get("/analysis/tree/Bad_Slug").status_code == 404


def test_procedure_page_shows_the_tree_only_when_there_is_a_chain(client):
    page = client.get("/id/procedure/business-licence?lang=en").data.decode()
    assert "Prerequisites, step by step" in page and "at least <strong>265,000 BIF</strong>" in page
    assert 'href="/analysis/tree/business-licence"' in page
    assert "Prerequisites, step by step" not in client.get("/id/procedure/birth-registration?lang=en").data.decode()
    french = client.get("/id/procedure/business-licence?lang=fr").data.decode()
    assert "Préalables, étape par étape" in french and "au moins" in french


def test_costs_page_and_csv(client):
    page = client.get("/analysis/costs?lang=en").data.decode()
    assert "<caption>6 procedures with prerequisites</caption>" in page and '<th scope="col">' in page
    rows = rows_of(client.get("/analysis/costs?format=csv"))
    assert [r["procedure"].removeprefix(P) for r in rows] == [
        "business-licence", "tax-number", "passport", "residence-card", "statutes-filing", "work-permit"]
    licence = rows[0]
    assert (licence["chain_steps"], licence["fee_BIF"], licence["fee_USD"], licence["fee_at_least"],
            licence["procedures_without_fee"], licence["days"], licence["procedures_without_time"]) == (
        "3", "265000", "20", "yes", "tax-number", "35", "birth-registration")
    assert licence["longest_chain"] == "business-licence > tax-number > passport > birth-registration"
    assert rows[3]["cycles"] == "residence-card > work-permit > residence-card" and rows[3]["days"] == "375"


def test_dependency_map_page_svg_and_csv(client):
    page = client.get("/analysis/dependencies?lang=en").data.decode()
    assert 'role="img"' in page and 'aria-labelledby="map-title map-desc"' in page
    assert '<title id="map-title">Cross-ministry dependency map</title>' in page and '<desc id="map-desc">' in page
    assert "7 dependencies between 5 issuing and 4 requiring institutions." in page
    assert page.count('marker-end="url(#arrow)"') == 7 and "<caption>" in page and 'scope="col"' in page
    rows = rows_of(client.get("/analysis/dependencies?format=csv&lang=en"))
    assert (rows[0]["issuer_name"], rows[0]["requirer_name"], rows[0]["procedures"]) == (
        "Civil registry", "Trade ministry", "2")
    top = rows_of(client.get("/analysis/dependencies?level=top&format=csv"))
    assert len(top) == 5
    assert "Rolled up to top-level institutions" in client.get("/analysis/dependencies?level=top&lang=en").data.decode()
    assert client.get("/analysis/dependencies?level=galaxy").status_code == 400


def test_once_only_page_and_csv(client):
    page = client.get("/analysis/once-only?lang=en").data.decode()
    assert "<caption>6 documents carried between institutions</caption>" in page
    rows = rows_of(client.get("/analysis/once-only?format=csv&lang=en"))
    assert rows[0]["document_title"] == "Birth certificate" and rows[0]["procedures"] == "3"
    assert rows[0]["requiring_institutions"] == f"{I}police {I}trade-ministry"
    assert [r["procedures"] for r in rows] == ["3", "1", "1", "1", "1", "1"]


def test_quality_dashboard_sorting_gaps_and_csv(client):
    response = client.get("/analysis/quality?lang=en")
    page = response.data.decode()
    assert response.status_code == 200
    assert "0 violations" in page and "24 quality warnings" in page
    assert 'aria-sort="ascending"' in page and "since 2025-12-01" in page
    assert 'href="/analysis/quality/trade-ministry?missing=fee"' in page
    assert 'href="/analysis/quality?sort=fee&amp;order=desc"' in page
    sorted_page = client.get("/analysis/quality?sort=warnings&order=desc&lang=en").data.decode()
    assert 'aria-sort="descending"' in sorted_page
    assert 'href="/analysis/quality?sort=warnings&amp;order=asc"' in sorted_page
    rows = rows_of(client.get("/analysis/quality?format=csv&sort=warnings&order=desc"))
    assert [(r["institution"].removeprefix(I), r["warnings"]) for r in rows] == [
        ("trade-ministry", "7"), ("police", "6"), ("registry", "4"), ("labour", "3"), ("notaries", "3"),
        ("tax-office", "1")]
    trade = rows[0]
    assert (trade["procedures"], trade["fee_percent"], trade["recently_checked_percent"], trade["score_percent"],
            trade["missing_fee"]) == ("2", "50.0", "50.0", "50.0", P + "statutes-filing")
    gaps = client.get("/analysis/quality/trade-ministry?missing=fee&lang=en").data.decode()
    assert 'href="/id/procedure/statutes-filing"' in gaps and 'href="/id/procedure/business-licence"' not in gaps
    assert "procedure/statutes-filing.yaml" in gaps  # the build's warnings, with their file
    every = client.get("/analysis/quality/trade-ministry?lang=en").data.decode()
    assert 'href="/id/procedure/business-licence"' in every
    assert client.get("/analysis/quality/trade-ministry?missing=colour").status_code == 400
    assert client.get("/analysis/quality/nobody").status_code == 404


def test_quality_page_without_a_quality_report(client, chains):
    (current_build(chains) / "quality.json").unlink()
    page = client.get("/analysis/quality?lang=en").data.decode()
    assert "has no quality report" in page and "<td class=\"number\">—</td>" in page


def test_pages_in_french(client):
    page = client.get("/analysis/quality?lang=fr").data.decode()
    assert "Tableau de bord de la qualité des données" in page and "Titre en kirundi" in page
    assert "Carte des dépendances entre ministères" in client.get("/analysis/dependencies?lang=fr").data.decode()


# --- the SPARQL results table ------------------------------------------------------------------

def test_sparql_results_as_an_html_table(client):
    query = ("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?p ?t WHERE { "
             "?p a <http://purl.org/vocab/cpsv#PublicService> ; dct:title ?t FILTER(LANG(?t) = 'en') } ORDER BY ?p")
    response = client.get("/sparql", query_string={"query": query, "format": "html", "lang": "en"})
    page = response.data.decode()
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<caption>8 results</caption>" in page and '<th scope="col">p</th>' in page
    assert '<a href="/id/procedure/passport">Get a passport</a>' in page
    assert '<span lang="en">Get a passport</span>' in page
    assert "format=csv" in page
    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": "html", "lang": "en"})
    assert "Answer:" in ask.data.decode() and "<strong>yes</strong>" in ask.data.decode()
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", "format": "html",
                                                "lang": "en"})
    assert graph.status_code == 200 and "returns a graph" in graph.data.decode()
    bad = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x", "format": "html", "lang": "en"})
    assert bad.status_code == 400 and "Malformed query" in bad.data.decode()
    form = client.get("/sparql", headers={"Accept": "text/html"}).data.decode()
    assert '<option value="html">' in form and "format=html" in form


# --- the real catalogue ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from isoko.config import ROOT, Config
    config = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path_factory.mktemp("real-analysis") / "var")
    build(config)
    return config


def test_real_catalogue_pages_answer(real):
    client = create_app(real).test_client()
    for url in ("/analysis", "/analysis/costs", "/analysis/dependencies", "/analysis/dependencies?level=top",
                "/analysis/once-only", "/analysis/quality", "/analysis/quality?sort=fee&order=desc",
                "/analysis/tree/company-registration-one-stop-shop", "/analysis/costs?format=csv",
                "/analysis/quality?format=csv", "/id/procedure/ordinary-passport"):
        assert client.get(url + ("&" if "?" in url else "?") + "lang=en").status_code == 200, url
    # a business registration needs documents from civil status and, through the TIN, the tax office
    page = client.get("/analysis/tree/tax-identification-number?lang=en").data.decode()
    assert "Commune civil-status office" in page and "Burundi Revenue Authority" in page and "BIF" in page


def test_real_catalogue_quality_sums_match_the_documented_query(real):
    store = CurrentBuild(real).get().store
    since = an.year_before(date.today())
    table = an.quality_table(an.plain(store.select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), since))))
    aggregate = an.plain(store.select(an.with_since(an.query_text(an.QUALITY_QUERY), since)))
    assert len(aggregate) == len(table)
    scores = {e.institution: e.score for e in table}
    assert all(float(r["score"]) == pytest.approx(scores[r["institution"]]) for r in aggregate)


# --- the same numbers on every store -----------------------------------------------------------

@pytest.fixture(scope="module", params=STORES)
def published(request, tmp_path_factory):
    """The small catalogue with chains, built locally and published to a real Fuseki or oxigraph
    server: (embedded config, config served from the remote store)."""
    root = tmp_path_factory.mktemp(f"analysis-{request.param}")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    add_chains(config)
    build(config)
    with running_store(request.param, root / "store") as spec:
        publish_to(config, spec)
        yield config, dataclasses.replace(config, store_url=spec)


def _computed(store) -> dict:
    """Everything the workbench computes from one store, in comparable form."""
    since = an.year_before(TODAY)
    results = {}
    for root in ("business-licence", "residence-card", "tax-number"):
        graph = graph_for(store, [P + root])
        tree = an.prerequisite_tree(graph, P + root)
        cost = an.true_cost(graph, tree)
        results[root] = (shape(tree.root), tree.cycles, tree.longest, cost.counted, cost.totals, cost.days,
                         cost.missing_fee, cost.missing_time, cost.alternatives, cost.several_tariffs)
    for level in ("institution", "top"):
        results[level] = [(e.issuer, e.requirer, e.procedures, e.documents) for e in an.dependency_edges(
            an.plain(store.select(an.with_level(an.query_text(an.MAP_QUERY), level))))]
    results["once-only"] = an.once_only(an.plain(store.select(an.query_text(an.ONCE_ONLY_QUERY))))
    table = an.quality_table(an.plain(store.select(an.with_since(an.query_text(an.COMPLETENESS_QUERY), since))))
    results["quality"] = [(e.institution, e.procedures, e.missing) for e in table]
    aggregate = an.plain(store.select(an.with_since(an.query_text(an.QUALITY_QUERY), since)))
    results["aggregate"] = sorted((r["institution"], round(float(r["score"]), 6)) for r in aggregate)
    return results


def test_same_numbers_on_a_remote_store(published, monkeypatch):
    embedded, remote = published
    assert _computed(CurrentBuild(remote).get().store) == _computed(CurrentBuild(embedded).get().store)
    monkeypatch.setattr(workbench, "today", lambda: TODAY)
    client = create_app(remote).test_client()
    page = client.get("/analysis/tree/business-licence?lang=en").data.decode()
    assert "at least <strong>265,000 BIF</strong>" in page and "at least <strong>35 days</strong>" in page
    quality = client.get("/analysis/quality?lang=en").data.decode()
    assert "24 quality warnings" in quality  # quality.json of the local copy of the published build


def test_quality_page_etag_changes_with_the_day(client, monkeypatch):
    first = client.get("/analysis/quality?lang=en")
    assert client.get("/analysis/quality?lang=en", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    monkeypatch.setattr(workbench, "today", lambda: date(2026, 12, 2))
    again = client.get("/analysis/quality?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "since 2025-12-02" in again.data.decode()
