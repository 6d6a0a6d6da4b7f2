"""Pages other than procedures: institutions (address book), concepts (themes, events, places,
glossary terms), and the lists (institutions, FAQ, glossary, places, home)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparql_endpoint.store import Store

from .labels import Label, fetch_labels, sort_key
from .page_dependencies import note, note_everything, note_links_to
from .procedure import Link
from .resources import Resource, iri, load

PROCEDURE = iri("cpsv:PublicService")
# What institution.html shows of an institution's offices (the properties of `Resource.label`
# among them): reading their other triples (places, sources, identifiers) costs store reads.
OFFICE_SHOWN = ("rdf:type", "skos:prefLabel", "dct:title", "schema:name", "skos:notation", "locn:address",
                "isoko:openingHoursDescription")


def _links(store: Store, iris: list[str], language: str, order, href,
           labels: dict[str, Label] | None = None) -> list[Link]:
    """Links to `iris` by label (fetched unless `labels` has them)."""
    labels = fetch_labels(store, set(iris), language, order) if labels is None else labels
    links = [Link(href(i), labels.get(i), i) for i in iris]
    return sorted(links, key=lambda l: sort_key(l.label, l.iri))


def _subjects(store: Store, query: str, bound: str | None) -> list[str]:
    """?x of `query`, the entities pointing to `bound` (None: found from no entity, so the page
    depends on every change; see page_dependencies)."""
    found = sorted({row["x"].value for row in store.select(query)})
    if bound is None:
        note_everything()
    else:
        note_links_to([bound])
        note(found)
    return found


def _linking(store: Store, prop: str, target: str) -> list[str]:
    """Every subject with `prop` `target`."""
    return _subjects(store, f"SELECT ?x WHERE {{ ?x <{iri(prop)}> <{target}> }}", target)


def _linking_by(store: Store, props: tuple[str, ...], target: str) -> dict[str, list[str]]:
    """Every subject with one of `props` `target`, by property (one lookup)."""
    wanted = {iri(p): p for p in props}
    only = ", ".join(f"<{i}>" for i in wanted)
    rows = store.select(f"SELECT ?x ?p WHERE {{ ?x ?p <{target}> FILTER(?p IN ({only})) }}")
    found: dict[str, set[str]] = {p: set() for p in props}
    for row in rows:
        found[wanted[row["p"].value]].add(row["x"].value)
    note_links_to([target])
    note({x for xs in found.values() for x in xs})
    return {p: sorted(xs) for p, xs in found.items()}


@dataclass
class InstitutionPage:
    resource: Resource
    parent: Link | None
    children: list[Link]
    procedures: list[Link]
    offices: list[Resource]
    addresses: list[Label]


def institution_page(store: Store, target: str, language: str, order, href) -> InstitutionPage | None:
    found = load(store, [target], language, order)
    institution = found.get(target)
    if institution is None or not institution.has_type("cv:PublicOrganisation"):
        return None
    parent = institution.first("org:subOrganizationOf")
    linking = _linking_by(store, ("org:subOrganizationOf", "cv:hasCompetentAuthority", "cv:ownedBy"), target)
    children, procedures, offices = linking.values()
    labels = fetch_labels(store, {*children, *procedures, *([parent] if parent else [])}, language, order)
    return InstitutionPage(
        resource=institution,
        parent=_links(store, [parent], language, order, href, labels)[0] if parent else None,
        children=_links(store, children, language, order, href, labels),
        procedures=_links(store, procedures, language, order, href, labels),
        offices=sorted(load(store, offices, language, order, OFFICE_SHOWN).values(), key=lambda r: r.iri),
        addresses=[a.text("locn:fullAddress") for a in institution.node_list("locn:address")
                   if a.text("locn:fullAddress")],
    )


@dataclass
class ConceptPage:
    resource: Resource
    kind: str
    broader: list[Link]
    narrower: list[Link]
    procedures: list[Link]
    located: list[Link] = field(default_factory=list)  # institutions and offices in a place


CONCEPT_LINKS = {  # kind -> the property that ties procedures to it
    "theme": "cv:thematicArea", "event": "cv:isGroupedBy",
}


def concept_page(kind: str):
    def page(store: Store, target: str, language: str, order, href) -> ConceptPage | None:
        found = load(store, [target], language, order)
        concept = found.get(target)
        if concept is None:
            return None
        broader = concept.links("skos:broader")
        narrower = _linking(store, "skos:broader", target)
        if kind in CONCEPT_LINKS:
            procedures = _linking(store, CONCEPT_LINKS[kind], target)
        else:
            procedures = [p for p in concept.links("dct:relation")]
        located = _linking(store, "dct:spatial", target) if kind == "place" else []
        return ConceptPage(concept, kind, _links(store, broader, language, order, href),
                           _links(store, narrower, language, order, href),
                           _links(store, procedures, language, order, href),
                           _links(store, located, language, order, href) if len(located) < 200 else [])
    return page


def institutions_index(store: Store, language: str, order, href) -> list[tuple[Link, list[Link]]]:
    """Institutions without a parent, each with its sub-organisations."""
    rows = store.select(f"""SELECT ?x ?parent WHERE {{ ?x a <{iri('cv:PublicOrganisation')}>
        OPTIONAL {{ ?x <{iri('org:subOrganizationOf')}> ?parent }} }}""")
    note_everything()
    every = {r["x"].value for r in rows}
    children: dict[str, list[str]] = {}
    top = []
    for row in rows:
        parent = row.get("parent")
        if parent is not None and parent.value in every:
            children.setdefault(parent.value, []).append(row["x"].value)
        else:
            top.append(row["x"].value)
    labels = fetch_labels(store, every, language, order)

    def link(i: str) -> Link:
        return Link(href(i), labels.get(i), i)

    def key(l: Link) -> str:
        return sort_key(l.label, l.iri)
    return sorted(((link(t), sorted((link(c) for c in children.get(t, [])), key=key)) for t in set(top)),
                  key=lambda pair: key(pair[0]))


def resources_of_type(store: Store, type_curie: str, language: str, order, scheme: str | None = None) -> list[Resource]:
    in_scheme = f"; <{iri('skos:inScheme')}> <{scheme}>" if scheme else ""
    subjects = _subjects(store, f"SELECT ?x WHERE {{ ?x a <{iri(type_curie)}> {in_scheme} }}", None)
    return sorted(load(store, subjects, language, order).values(),
                  key=lambda r: sort_key(r.label, r.iri))


def scheme_members(store: Store, scheme: str, language: str, order, href) -> list[Link]:
    return _links(store, _linking(store, "skos:inScheme", scheme), language, order, href)


def procedure_counts(store: Store, prop: str) -> dict[str, int]:
    rows = store.select(f"SELECT ?c (COUNT(?p) AS ?n) WHERE {{ ?p <{iri(prop)}> ?c }} GROUP BY ?c")
    note_everything()
    return {r["c"].value: int(r["n"].value) for r in rows}
