"""A fast screen for SHACL violations: the constraint kinds of shapes/ compiled to SPARQL ASK queries.

A build of a valid catalogue only needs to know that there is no violation, and rudof spends 30-50 µs
of CPU per triple finding that out (100 s at 1M triples). One ASK per property shape over the
in-memory store answers the same question in a few seconds. The screen is written never to miss a
violation: where SHACL engines may differ, its test is the stricter one (a language tag must equal
the range exactly; a value that cannot be compared with sh:minInclusive fails...), so it may flag
what rudof accepts, never the reverse. When it flags anything, loaders/validation.py runs rudof as
before, so the reported problems are always rudof's; when the shapes use a kind it does not compile
(`Unsupported`), the screen is skipped. tests/test_validation.py checks that it flags every broken
source that rudof flags, and nothing on valid catalogues.

Compiled: node shapes with sh:targetClass (through rdfs:subClassOf*) or sh:targetSubjectsOf,
sh:closed false, and property shapes with an IRI path and sh:minCount, sh:maxCount, sh:class,
sh:datatype, sh:nodeKind, sh:pattern (+ sh:flags), sh:minInclusive, sh:uniqueLang, sh:hasValue,
sh:languageIn, sh:node (a shape of sh:hasValue/sh:minCount 1 property shapes) and
sh:qualifiedValueShape (a shape of sh:languageIn) with sh:qualifiedMinCount.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from sparql_endpoint.store import Store, sparql_string

from .shape_queries import LANGUAGE_RANGE, Unsupported, only_keys

ANNOTATIONS = {RDF.type, SH.name, SH.description, SH.message, SH.order, SH.group, RDFS.seeAlso, RDFS.comment,
               RDFS.label}
NODE_KEYS = ANNOTATIONS | {SH.targetClass, SH.targetSubjectsOf, SH.property, SH.closed}
VALUE_CHECKS = {SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH.minInclusive, SH.languageIn,
                SH.node}
PROPERTY_KEYS = ANNOTATIONS | VALUE_CHECKS | {SH.path, SH.minCount, SH.maxCount, SH.uniqueLang, SH.hasValue,
                                              SH.qualifiedValueShape, SH.qualifiedMinCount}
# Datatypes whose lexical forms the screen checks with a cast (an engine may reject ill-formed ones).
CASTS = {XSD.double, XSD.float, XSD.decimal, XSD.integer, XSD.boolean, XSD.date, XSD.dateTime, XSD.time,
         XSD.duration}
NODE_KINDS = {SH.IRI: "!isIRI(?v)", SH.BlankNode: "!isBlank(?v)", SH.Literal: "!isLiteral(?v)",
              SH.BlankNodeOrIRI: "isLiteral(?v)", SH.BlankNodeOrLiteral: "isIRI(?v)", SH.IRIOrLiteral: "isBlank(?v)"}
SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


def screen_patterns(shapes: rdflib.Graph) -> list[str]:
    """Graph patterns, one or more per property shape, binding ?focus to the nodes that may violate it;
    each once (our shapes and the official ones share constraints: 13 of 202 patterns)."""
    queries = []
    for node in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(SH.property, None))):
        focus = _focus(shapes, node)
        if focus is not None:
            queries += [q for prop in sorted(shapes.objects(node, SH.property)) for q in _property(shapes, prop, focus)]
    return list(dict.fromkeys(queries))


def may_violate(store: Store, shapes: rdflib.Graph, threads: int = 2) -> bool:
    """Whether any shape may be violated in `store` (default graph: the union); raises Unsupported.
    The queries run on `threads` threads (pyoxigraph releases the GIL while it evaluates)."""
    patterns = screen_patterns(shapes)
    pool = ThreadPoolExecutor(threads)
    try:
        return any(pool.map(lambda pattern: store.ask(f"ASK {{ {pattern} }}"), patterns))
    finally:
        pool.shutdown(cancel_futures=True)


def flagged(store: Store, shapes: rdflib.Graph) -> set[str]:
    """Every focus node that may violate a shape (a superset of the engines' focus nodes)."""
    return {row["focus"].value for pattern in screen_patterns(shapes)
            for row in store.select(f"SELECT DISTINCT ?focus WHERE {{ {pattern} }}")}


def _focus(shapes: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    """The graph pattern binding ?focus to the shape's targets; None for a shape without targets."""
    classes, subjects_of = list(shapes.objects(node, SH.targetClass)), list(shapes.objects(node, SH.targetSubjectsOf))
    if not classes and not subjects_of:
        if set(shapes.predicates(node, None)) - {RDF.type, SH.languageIn, SH.property}:
            raise Unsupported(f"{node} has no target and constraints the screen does not follow")
        return None  # only used as the value shape of sh:node or sh:qualifiedValueShape
    only_keys(shapes, node, NODE_KEYS, "node shape")
    closed = any(c.toPython() is not False for c in shapes.objects(node, SH.closed))
    if closed or (node, RDF.type, RDFS.Class) in shapes:
        raise Unsupported(f"{node} is an implicit class target or a closed shape")
    patterns = [f"{{ ?focus {SUBCLASS} {_iri(c)} }}" for c in classes]
    patterns += [f"{{ ?focus {_iri(p)} [] }}" for p in subjects_of]
    return " UNION ".join(patterns)


def _property(shapes: rdflib.Graph, prop: rdflib.term.Node, focus: str) -> list[str]:
    only_keys(shapes, prop, PROPERTY_KEYS, "property shape")
    path = shapes.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        raise Unsupported(f"the sh:path of {prop} is not an IRI")
    p, value = _iri(path), shapes.value
    queries = []
    if value(prop, SH.minCount) is not None:
        queries.append(_fewer_than(focus, p, int(value(prop, SH.minCount))))
    if value(prop, SH.maxCount) is not None:
        queries.append(f"{{ SELECT ?focus (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} ?focus {p} ?v }} "
                       f"GROUP BY ?focus }} FILTER(?n > {int(value(prop, SH.maxCount))})")
    if value(prop, SH.hasValue) is not None:
        queries.append(f"{focus} FILTER NOT EXISTS {{ ?focus {p} {value(prop, SH.hasValue).n3()} }}")
    if value(prop, SH.uniqueLang) is not None and value(prop, SH.uniqueLang).toPython() is not False:
        queries.append(f"{focus} ?focus {p} ?v, ?w FILTER(isLiteral(?v) && lang(?v) != \"\" && "
                       f"LCASE(lang(?v)) = LCASE(lang(?w)) && !sameTerm(?v, ?w))")
    failures = _value_failures(shapes, prop)
    if failures:
        queries.append(f"{focus} ?focus {p} ?v FILTER({' || '.join(failures)})")
    qualified = value(prop, SH.qualifiedValueShape)
    if qualified is not None:
        minimum = value(prop, SH.qualifiedMinCount)
        if minimum is None or set(shapes.predicates(qualified, None)) - {RDF.type, SH.languageIn}:
            raise Unsupported(f"{prop}: a qualified value shape other than sh:languageIn with a minimum")
        queries.append(_fewer_than(focus, p, int(minimum), f"!({_languages(shapes, qualified)})"))
    return [query for query in queries if query]


def _fewer_than(focus: str, p: str, minimum: int, condition: str = "") -> str:
    """?focus has fewer than `minimum` distinct values of `p` satisfying `condition` ("" = any)."""
    values = f"?focus {p} ?v" + (f" FILTER({condition})" if condition else "")
    if minimum <= 0:
        return ""
    if minimum == 1:
        return f"{focus} FILTER NOT EXISTS {{ {values} }}"
    return (f"{{ SELECT ?focus (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} OPTIONAL {{ {values} }} }} "
            f"GROUP BY ?focus }} FILTER(?n < {minimum})")


def _value_failures(shapes: rdflib.Graph, prop: rdflib.term.Node) -> list[str]:
    """SPARQL conditions on ?v, each true when the value may fail one constraint of the shape."""
    failures = []
    for cls in shapes.objects(prop, SH["class"]):
        failures.append(f"NOT EXISTS {{ ?v {SUBCLASS} {_iri(cls)} }}")
    for datatype in shapes.objects(prop, SH.datatype):
        failure = f"!isLiteral(?v) || datatype(?v) != {_iri(datatype)}"
        if datatype in CASTS:
            failure += f' || sameTerm(COALESCE({_iri(datatype)}(STR(?v)), "ill-formed"), "ill-formed")'
        failures.append(failure)
    for kind in shapes.objects(prop, SH.nodeKind):
        if kind not in NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {kind}")
        failures.append(NODE_KINDS[kind])
    flags = shapes.value(prop, SH.flags)
    for pattern in shapes.objects(prop, SH.pattern):
        failures.append(f"isBlank(?v) || !REGEX(STR(?v), {sparql_string(pattern)}, {sparql_string(flags or '')})")
    for minimum in shapes.objects(prop, SH.minInclusive):
        failures.append(f"!COALESCE(?v >= {minimum.n3()}, false)")
    if shapes.value(prop, SH.languageIn) is not None:
        failures.append(_languages(shapes, prop))
    for shape in shapes.objects(prop, SH.node):
        failures.append(_node_failure(shapes, shape))
    return [f"({failure})" for failure in failures]


def _node_failure(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str:
    """?v may fail sh:node `shape`: one of its property shapes' sh:hasValue or sh:minCount 1 is unmet."""
    if set(shapes.predicates(shape, None)) - {RDF.type, SH.property}:
        raise Unsupported(f"sh:node {shape}: only property shapes are followed")
    failures = []
    for prop in shapes.objects(shape, SH.property):
        path, has, minimum = (shapes.value(prop, k) for k in (SH.path, SH.hasValue, SH.minCount))
        if set(shapes.predicates(prop, None)) - ANNOTATIONS - {SH.path, SH.hasValue, SH.minCount} or \
                not isinstance(path, rdflib.URIRef) or (minimum is not None and int(minimum) != 1):
            raise Unsupported(f"sh:node {shape}: a property shape other than sh:hasValue / sh:minCount 1")
        if has is not None:
            failures.append(f"NOT EXISTS {{ ?v {_iri(path)} {has.n3()} }}")
        if minimum is not None:
            failures.append(f"NOT EXISTS {{ ?v {_iri(path)} [] }}")
    return " || ".join(failures) or "false"


def _languages(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str:
    """?v may fail the sh:languageIn of `shape`: not a literal whose tag equals a range exactly."""
    ranges = [str(item) for lists in shapes.objects(shape, SH.languageIn) for item in Collection(shapes, lists)]
    if not ranges or not all(LANGUAGE_RANGE.match(r) and r != "*" for r in ranges):
        raise Unsupported(f"sh:languageIn of {shape}")
    return f"!isLiteral(?v) || !(lang(?v) IN ({', '.join(sparql_string(r) for r in ranges)}))"


def _iri(term: rdflib.term.Node) -> str:
    if not isinstance(term, rdflib.URIRef) or re.search(r'[\s<>"{}|^`\\]', str(term)):
        raise Unsupported(f"{term!r} where an IRI is expected")
    return f"<{term}>"

