"""The procedure page: what to bring, who issues it, what it costs, how long, where to go."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparql_endpoint.store import Store

from .formatting import format_amount, format_duration
from .labels import Label, fetch_labels
from .page_dependencies import note_links_to
from .resources import Resource, iri, load

LINKED = ("cv:hasCompetentAuthority", "cpsv:hasInput", "cpsv:produces", "cv:hasLegalResource", "cv:hasChannel",
          "cv:thematicArea", "cv:isGroupedBy", "cv:relatedService", "dct:audience")
DETAILED = ("cv:hasCompetentAuthority", "cpsv:hasInput", "cpsv:produces", "cv:hasLegalResource", "cv:hasChannel")
# What the page shows of the institutions, documents, laws, offices and currencies it links to
# (besides their labels): reading their other triples (descriptions in three languages) cost
# more than the rest of the page.
DETAILS = ("cv:contactPoint", "foaf:homepage", "dct:type", "foaf:page", "eli:date_document", "skos:notation",
           "locn:address", "isoko:openingHoursDescription")


@dataclass
class Link:
    href: str | None
    label: Label | None
    iri: str = ""


@dataclass
class Issuer:
    procedure: Link
    institution: Link


@dataclass
class Document:
    link: Link
    type: Label | None
    pages: list[str]
    issuers: list[Issuer] = field(default_factory=list)
    is_form: bool = False


@dataclass
class Fee:
    amount: str
    currency: str
    currency_name: Label | None
    description: Label | None
    date: str | None
    sources: list[str]


@dataclass
class Office:
    link: Link
    type: Label | None
    address: Label | None
    hours: Label | None
    pages: list[str]


@dataclass
class ProcedurePage:
    resource: Resource
    authorities: list[tuple[Link, list[Resource]]]
    required: list[Document]
    produced: list[Document]
    conditions: list[Label]
    fees: list[Fee]
    processing_time: str | None
    laws: list[tuple[Link, str | None]]
    offices: list[Office]
    themes: list[Link]
    events: list[Link]
    related: list[Link]
    audiences: list[Label]
    websites: list[str]


def build_page(store: Store, procedure_iri: str, language: str, order: tuple[str, ...], href) -> ProcedurePage | None:
    found = load(store, [procedure_iri], language, order)
    procedure = found.get(procedure_iri)
    if procedure is None or not procedure.has_type("cpsv:PublicService"):
        return None
    linked = {i for curie in LINKED for i in procedure.links(curie)}
    currencies = {node.first("cv:currency") for node in procedure.node_list("cv:hasCost")} - {None}
    related = load(store, {i for curie in DETAILED for i in procedure.links(curie)} | currencies, language, order,
                   DETAILS)
    types = {t for r in related.values() for t in r.links("dct:type")}
    labels = fetch_labels(store, linked | currencies | types, language, order)

    def link(target: str) -> Link:
        return Link(href(target), labels.get(target), target)

    issuers = _issuers(store, procedure.links("cpsv:hasInput"), language, order, href)
    fees = [_fee(node, related, labels, language) for node in procedure.node_list("cv:hasCost")]
    duration = procedure.first("cv:processingTime")
    return ProcedurePage(
        resource=procedure,
        authorities=[(link(a), list(related[a].node_list("cv:contactPoint")) if a in related else [])
                     for a in procedure.links("cv:hasCompetentAuthority")],
        required=[_document(link(d), related.get(d), issuers.get(d, [])) for d in procedure.links("cpsv:hasInput")],
        produced=[_document(link(d), related.get(d), []) for d in procedure.links("cpsv:produces")],
        conditions=[n.text("dct:title") for n in procedure.node_list("cv:holdsRequirement") if n.text("dct:title")],
        fees=fees,
        processing_time=format_duration(duration, language) if duration else None,
        laws=[(link(law), related[law].first("eli:date_document") if law in related else None)
              for law in procedure.links("cv:hasLegalResource")],
        offices=[_office(link(o), related.get(o), labels) for o in procedure.links("cv:hasChannel")],
        themes=[link(t) for t in procedure.links("cv:thematicArea")],
        events=[link(e) for e in procedure.links("cv:isGroupedBy")],
        related=[link(r) for r in procedure.links("cv:relatedService")],
        audiences=[labels[a] for a in procedure.links("dct:audience") if a in labels],
        websites=sorted({w for a in procedure.links("cv:hasCompetentAuthority") if a in related
                         for w in related[a].links("foaf:homepage")}),
    )


def _issuers(store: Store, documents: list[str], language: str, order, href) -> dict[str, list[Issuer]]:
    if not documents:
        return {}
    note_links_to(documents)  # a procedure that starts or stops issuing one changes this page
    values = " ".join(f"<{d}>" for d in documents)
    rows = store.select(f"""SELECT ?doc ?procedure ?institution WHERE {{ VALUES ?doc {{ {values} }}
        ?procedure <{iri('cpsv:produces')}> ?doc ; <{iri('cv:hasCompetentAuthority')}> ?institution }}""")
    labels = fetch_labels(store, {r[k].value for r in rows for k in ("procedure", "institution")}, language, order)
    found: dict[str, list[Issuer]] = {}
    for row in rows:
        p, i = row["procedure"].value, row["institution"].value
        found.setdefault(row["doc"].value, []).append(
            Issuer(Link(href(p), labels.get(p), p), Link(href(i), labels.get(i), i)))
    return found


def _document(link: Link, resource: Resource | None, issuers: list[Issuer]) -> Document:
    types = resource.links("dct:type") if resource else []
    return Document(link, None, resource.links("foaf:page") if resource else [], issuers,
                    is_form=any(t.endswith("/document-type/form") for t in types))


def _fee(node: Resource, related: dict[str, Resource], labels: dict[str, Label], language: str) -> Fee:
    currency_iri = node.first("cv:currency") or ""
    currency = related.get(currency_iri)
    amount = node.first("cv:hasValue")
    return Fee(amount=format_amount(amount, language) if amount else "",
               currency=currency.first("skos:notation") if currency else currency_iri.rsplit("/", 1)[-1],
               currency_name=labels.get(currency_iri) if currency else None,
               description=node.text("dct:description"),
               date=node.first("dct:date"), sources=node.links("dct:source"))


def _office(link: Link, office: Resource | None, labels: dict[str, Label]) -> Office:
    if office is None:
        return Office(link, None, None, None, [])
    address = next((a.text("locn:fullAddress") for a in office.node_list("locn:address")), None)
    return Office(link, labels.get(office.first("dct:type") or ""), address, office.text("isoko:openingHoursDescription"),
                  office.links("foaf:page"))
