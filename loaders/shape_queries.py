"""SHACL property shapes of a few simple kinds compiled to SPARQL, run over a pyoxigraph store.

pyshacl builds an rdflib copy of the data and walks it in Python (30 s for the quality shapes at
1M triples); one SELECT per property shape over the store takes well under a second. Only what
the quality shapes (shapes/quality/) use is compiled, with pyshacl's semantics:

- node shapes with `sh:targetClass` (instances through `rdf:type` only: the quality step reads
  the procedures' own triples, so no `rdfs:subClassOf` is followed) and `sh:property`;
- property shapes with an IRI `sh:path`, a `sh:message`, and either `sh:minCount` or
  `sh:qualifiedValueShape` + `sh:qualifiedMinCount`, the value shape holding only `sh:languageIn`
  (matched as pyshacl does: the whole tag or its first subtag, case-insensitively; `*` any tag).

Anything else raises `Unsupported`, and the caller falls back to pyshacl. tests/test_quality.py
proves both give the same results on the real catalogue and generated ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from sparql_endpoint.store import Store

# What a compiled shape may say besides its constraints (annotations the engines do not check).
NODE_KEYS = {RDF.type, SH.targetClass, SH.property, SH.severity, SH.name, SH.description, SH.message}
PROPERTY_KEYS = {RDF.type, SH.path, SH.severity, SH.name, SH.description, SH.message, SH.order, SH.group,
                 SH.minCount, SH.qualifiedValueShape, SH.qualifiedMinCount}
VALUE_SHAPE_KEYS = {RDF.type, SH.languageIn, SH.name, SH.description}
TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
LANGUAGE_RANGE = re.compile(r"^(\*|[a-z0-9]+(-[a-z0-9]+)*)$")


class Unsupported(ValueError):
    """The shapes use something this compiler does not translate; validate them with pyshacl."""


@dataclass(frozen=True)
class Check:
    """One property shape as a query: the focus nodes it reports, with what it reports."""

    shape: str
    path: str
    severity: str  # IRI, e.g. http://www.w3.org/ns/shacl#Warning
    message: str
    query: str


@dataclass(frozen=True)
class Finding:
    focus: str
    check: Check


def compile_shapes(shapes: rdflib.Graph, within: str | None = None) -> list[Check]:
    """A Check per property shape of every targeted node shape; Unsupported for anything else.
    `within`: a class every focus node must also have (the data pyshacl is given is its instances')."""
    checks = []
    for node in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(SH.property, None)):
        targets = sorted(str(c) for c in shapes.objects(node, SH.targetClass))
        if not targets:
            if {p for p in shapes.predicates(node, None)} & (TARGETS | {SH.property}):
                raise Unsupported(f"{node} has property shapes or targets other than sh:targetClass")
            continue  # a shape used only as a value shape, or unused: no results of its own
        only_keys(shapes, node, NODE_KEYS, "node shape")
        focus = " UNION ".join(f"{{ ?focus a <{c}> }}" for c in targets) + (f" ?focus a <{within}> ." if within else "")
        checks += [_check(shapes, prop, focus) for prop in shapes.objects(node, SH.property)]
    return sorted(checks, key=lambda check: (check.path, check.shape))


def findings(store: Store, checks: list[Check]) -> list[Finding]:
    """The focus nodes each check reports in `store` (default graph: the union)."""
    return [Finding(row["focus"].value, check) for check in checks for row in store.select(check.query)]


def _check(shapes: rdflib.Graph, prop: rdflib.term.Node, focus: str) -> Check:
    only_keys(shapes, prop, PROPERTY_KEYS, "property shape")
    path, message = shapes.value(prop, SH.path), shapes.value(prop, SH.message)
    if not isinstance(path, rdflib.URIRef):
        raise Unsupported(f"the sh:path of {prop} is not an IRI")
    if message is None:
        raise Unsupported(f"{prop} has no sh:message (pyshacl would write its own)")
    minimum, condition = _count_constraint(shapes, prop)
    matching = f"?focus <{path}> ?value" + (f" FILTER({condition})" if condition else "")
    query = (f"SELECT ?focus WHERE {{ {{ SELECT DISTINCT ?focus WHERE {{ {focus} }} }} "
             f"OPTIONAL {{ {matching} }} }} GROUP BY ?focus HAVING (COUNT(DISTINCT ?value) < {minimum})")
    severity = shapes.value(prop, SH.severity) or SH.Violation
    return Check(str(prop), str(path), str(severity), str(message), query)


def _count_constraint(shapes: rdflib.Graph, prop: rdflib.term.Node) -> tuple[int, str]:
    """(n, condition): at least n distinct values must satisfy the SPARQL condition ("" = any)."""
    plain, qualified = shapes.value(prop, SH.minCount), shapes.value(prop, SH.qualifiedMinCount)
    value_shape = shapes.value(prop, SH.qualifiedValueShape)
    if (plain is None) == (qualified is None) or (qualified is None) != (value_shape is None):
        raise Unsupported(f"{prop} needs exactly one of sh:minCount, sh:qualifiedMinCount with a value shape")
    if plain is not None:
        return int(plain), ""
    only_keys(shapes, value_shape, VALUE_SHAPE_KEYS, "value shape")
    languages = [str(item).lower() for lists in shapes.objects(value_shape, SH.languageIn)
                 for item in Collection(shapes, lists)]
    if not languages or not all(LANGUAGE_RANGE.match(language) for language in languages):
        raise Unsupported(f"the value shape {value_shape} needs a sh:languageIn of language ranges")
    return int(qualified), f"isLiteral(?value) && ({' || '.join(map(_language_matches, languages))})"


def _language_matches(language: str) -> str:
    """pyshacl's sh:languageIn test for one range: any tag for *, else the tag or its first subtag."""
    if language == "*":
        return 'lang(?value) != ""'
    tag = 'LCASE(lang(?value))'
    if "-" in language:
        return f'{tag} = "{language}"'
    return f'({tag} = "{language}" || STRSTARTS({tag}, "{language}-"))'


def only_keys(shapes: rdflib.Graph, node: rdflib.term.Node, allowed: set, what: str) -> None:
    extra = {p for p in shapes.predicates(node, None)} - allowed
    if extra:
        raise Unsupported(f"{what} {node} uses {', '.join(sorted(map(str, extra)))}")
