"""The small catalogue with known chains that the analysis tests share (tests/test_analysis*.py):
the fixture catalogue plus the procedures below, built; its store, a test client of the app on it,
and helpers that read trees and CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from browser_ui import workbench
from browser_ui.analysis import common, graph as gr, prerequisites as pq, true_cost as tc
from isoko.app import create_app
from loaders.build import build
from sparql_endpoint.current import CurrentBuild
from tests.conftest import write

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


def graph_for(store, roots: list[str]) -> gr.Graph:
    return gr.graph_from_rows(common.plain(store.select(common.with_roots(common.query_text(pq.TREE_QUERY), roots))),
                              common.plain(store.select(common.with_roots(common.query_text(tc.COST_QUERY), roots))))


def shape(node: pq.ProcedureNode) -> tuple:
    """A tree as nested tuples: (procedure, depth, cycle, repeated, ((document, (issuers...)), ...))."""
    return (node.iri.removeprefix(P), node.depth, node.cycle, node.repeated,
            tuple((d.iri.removeprefix(D), tuple(shape(i) for i in d.issuers)) for d in node.documents))


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode())))
