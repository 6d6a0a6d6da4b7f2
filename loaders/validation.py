"""Validate a catalogue with our shapes and the official CPSV-AP shapes; report file:line problems.

Two SHACL engines give the same results here, chosen with `ISOKO_SHACL` (or `engine=`):
- `rudof` (default): pyrudof, the Rust engine, about 8x faster than pyshacl on our shapes;
- `pyshacl`: the reference Python engine over an rdflib copy of the data.
Each engine's report is reduced to engine-independent `Result`s (focus node, path, constraint
component, value, the shape's own sh:message if it has one); tests/test_validation.py proves both
give the same results and the same `file:line` problems on the fixture catalogue and on broken
sources. One known gap of rudof 0.3.35 is closed here: it does not check the lexical form of
xsd:date and xsd:duration literals against sh:datatype (pyshacl does, as SHACL requires), so the
rudof engine adds those results itself with a query on the store (see `_ill_formed`).

Before rudof runs, a SPARQL screen (loaders/shacl_screen.py) asks the store whether any shape may
be violated; it never misses a violation rudof would report (tested), so when it finds none the
catalogue is valid and rudof is skipped (1M triples: about 9 s of CPU instead of 100). When it
finds one, rudof runs as below and its results are reported.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH, XSD

from sparql_endpoint.store import OxigraphStore

from .catalogue import Catalogue
from .context import SourceContext
from .problems import Problem
from .shacl_screen import may_violate
from .shape_queries import Unsupported

ENGINES = ("rudof", "pyshacl")
DEFAULT_ENGINE = "rudof"
# Datatypes whose ill-formed literals rudof 0.3.35 accepts under sh:datatype (pyshacl does not).
UNCHECKED_BY_RUDOF = (str(XSD.date), str(XSD.duration))
SKOLEM = "urn:isoko:shape:"
# rudof validates stores from SHARD_FROM triples on in shards of about SHARD_TRIPLES triples, in
# one process per core: at 1M triples 46 s wall instead of 92 s, and a few hundred MB per process
# instead of 10 GB (at 100k it does not pay: 7 s of CPU instead of 5.5).
SHARD_TRIPLES = int(os.environ.get("ISOKO_SHACL_SHARD", 10_000))
SHARD_FROM = 200_000
NUMBERS = {"double", "float", "decimal", "integer"}

FIXES = {
    "MinCountConstraintComponent": "add `{key}`",
    "MaxCountConstraintComponent": "keep a single `{key}`",
    "ClassConstraintComponent": "`{key}` must name an entity of the right kind that exists in the catalogue",
    "DatatypeConstraintComponent": "`{key}` has a value of the wrong type; see data/README.md",
    "NodeKindConstraintComponent": "`{key}` must be a URL or a `kind/slug` reference",
}
# Messages for results of shapes without a sh:message (the official CPSV-AP shapes have none):
# the same whichever engine found them, in the terms of the source.
MESSAGES = {
    "MinCountConstraintComponent": "CPSV-AP requires a value here",
    "MaxCountConstraintComponent": "CPSV-AP allows fewer values here",
    "ClassConstraintComponent": "the value is not of the kind CPSV-AP expects here",
    "DatatypeConstraintComponent": "the value does not have the datatype CPSV-AP expects here",
    "NodeKindConstraintComponent": "the value is not of the node kind CPSV-AP expects here",
    "QualifiedMinCountConstraintComponent": "too few values of the required form",
    "QualifiedMaxCountConstraintComponent": "too many values of that form",
    "LanguageInConstraintComponent": "a text is in a language that is not allowed here",
    "UniqueLangConstraintComponent": "more than one text in the same language",
    "PatternConstraintComponent": "the value does not have the required form",
    "HasValueConstraintComponent": "a required value is missing",
    "InConstraintComponent": "the value is not one of those allowed",
    "NodeConstraintComponent": "the value does not conform to the shape it must have",
}


@dataclass(frozen=True, order=True)
class Result:
    """One SHACL validation result, whichever engine produced it."""

    focus: str
    path: str  # the predicate IRI ("" when the result has no path)
    component: str  # local name, e.g. MinCountConstraintComponent
    value: str | None = None  # IRI or lexical form
    shape: str = ""  # the shape that reported it (blank-node shapes are skolemised to urn:isoko:shape:)
    message: str = ""  # that shape's sh:message, "" when it has none


def engine_name(engine: str | None = None) -> str:
    name = (engine or os.environ.get("ISOKO_SHACL") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown SHACL engine {name!r} (ISOKO_SHACL): use one of {', '.join(ENGINES)}")
    return name


def shape_files(shapes_dir: Path) -> list[Path]:
    """Our shapes and the official ones: the build must satisfy both."""
    return sorted(shapes_dir.glob("*.ttl")) + sorted(shapes_dir.glob("official/*.ttl"))


def shapes_graph(shapes_dir: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in shape_files(shapes_dir):
        graph.parse(path, format="turtle")
    return graph


@lru_cache(maxsize=4)
def _shapes(shapes_dir: Path, stamp: tuple) -> tuple[rdflib.Graph, str, dict[str, str]]:
    """The merged shapes graph with its blank nodes named (so that both engines name a result's
    shape alike), as N-Triples too, and the sh:message of each shape that has one."""
    graph = shapes_graph(shapes_dir).skolemize(basepath=SKOLEM)
    messages = {str(shape): str(message) for shape, message in graph.subject_objects(SH.message)}
    return graph, graph.serialize(format="nt"), messages


def _load_shapes(shapes_dir: Path) -> tuple[rdflib.Graph, str, dict[str, str]]:
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in shape_files(shapes_dir))
    return _shapes(shapes_dir, stamp)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def n_triples(store: OxigraphStore) -> bytes:
    """The union of the store's graphs as N-Triples (what the engines read)."""
    return store.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize("application/n-triples")


def union_graph(store: OxigraphStore) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=n_triples(store), format="nt")
    return graph


def shacl_results(store: OxigraphStore, shapes_dir: Path, engine: str | None = None, id_base: str | None = None,
                  shard_triples: int | None = None, workers: int | None = None, screen: bool = True) -> list[Result]:
    """Every violation of the shapes in `store` (the default graph is the union), sorted.

    With `screen`, rudof only runs when the SPARQL screen (loaders/shacl_screen.py) finds that a
    shape may be violated: a valid catalogue is then validated in a few seconds at 1M triples.

    With `id_base`, rudof validates a large store in shards (see `_shards`) of about
    `shard_triples` triples, in `workers` processes: the same results (tests/test_validation.py),
    but rudof's cost grows faster than the data (0.3 s at 10k triples, 5 s at 100k), so many small
    validations are much cheaper than one big one."""
    shapes, shapes_nt, messages = _load_shapes(shapes_dir)
    if engine_name(engine) == "pyshacl":
        return sorted(_pyshacl(store, shapes, messages))
    if screen and _screened_clean(store, shapes):
        return sorted(_ill_formed(store, shapes, messages))
    large = shard_triples is not None or len(store) >= SHARD_FROM
    shard_triples = shard_triples or SHARD_TRIPLES
    shards = _shards(store, shapes, id_base, shard_triples) if id_base and large else None
    if shards is None:
        results = _rudof(n_triples(store), shapes_nt, messages)
    else:
        workers = workers or min(os.cpu_count() or 1, 4)
        tasks = [(data, shapes_nt, messages, owned, id_base) for data, owned in shards]
        if workers > 1 and len(tasks) > 1:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                parts = list(pool.map(_rudof_task, tasks, chunksize=max(1, len(tasks) // (4 * workers))))
        else:
            parts = [_rudof_task(task) for task in tasks]
        results = set().union(*parts)
    return sorted(results | _ill_formed(store, shapes, messages))


def _screened_clean(store: OxigraphStore, shapes: rdflib.Graph) -> bool:
    """True when the screen proves there is no violation; False when it may be, or cannot tell."""
    try:
        return not may_violate(store, shapes)
    except Unsupported:
        return False


class NotShardable(Exception):
    """The shapes look further than one step from a focus node; validate the store whole."""


def second_hop(shapes_dir: Path) -> set[str]:
    """The predicates constraints read on a focus node's values (see `_second_hop`)."""
    return _second_hop(_load_shapes(shapes_dir)[0])


def _second_hop(shapes: rdflib.Graph) -> set[str]:
    """Predicates that constraints read on a focus node's values (not only on the focus node):
    rdf:type for sh:class, and the paths inside shapes the values must conform to (sh:node,
    sh:qualifiedValueShape...). Raises NotShardable for what a shard could not answer."""
    if any(shapes.subjects(SH.targetObjectsOf, None)):
        raise NotShardable("sh:targetObjectsOf")
    for path in shapes.objects(None, SH.path):
        if not isinstance(path, rdflib.URIRef):
            raise NotShardable(f"a complex sh:path ({path})")
    predicates = {str(RDF.type)}
    for reference in (SH.node, SH.qualifiedValueShape, SH["not"], SH["and"], SH["or"], SH.xone):
        for shape in shapes.objects(None, reference):
            inner = [shape] + list(shapes.objects(shape, SH.property))
            if any(shapes.value(s, r) is not None for s in inner
                   for r in (SH.node, SH.qualifiedValueShape, SH["and"], SH["or"], SH["not"], SH.xone)):
                raise NotShardable("nested value shapes")
            predicates |= {str(p) for s in inner for p in shapes.objects(s, SH.path)}
    return predicates


def _shards(store: OxigraphStore, shapes: rdflib.Graph, id_base: str, size: int) -> list[tuple[bytes, frozenset]] | None:
    """The store cut into N-Triples shards for separate validation, or None when the shapes do not
    allow it. A shard holds whole entities (`{id_base}kind/slug` and its `#` nodes): all their
    triples, plus, of every node they point to, the triples a constraint reads there (its types,
    the paths of value shapes), plus rdfs:subClassOf. Nodes outside id_base (the ontology's
    concepts, web pages) form one more shard of their own. Results are kept only for the focus
    nodes a shard owns, so a node that is only pointed to is never judged on a partial view."""
    try:
        second = _second_hop(shapes)
    except NotShardable:
        return None
    subclass = str(rdflib.RDFS.subClassOf)
    owners: dict[str, list[ox.Triple]] = {}
    hops: dict[object, list[ox.Triple]] = {}
    schema: list[ox.Triple] = []
    for quad in store.quads():
        subject, predicate = quad.subject, quad.predicate.value
        triple = ox.Triple(subject, quad.predicate, quad.object)
        value = subject.value if isinstance(subject, ox.NamedNode) else ""
        owner = value.split("#", 1)[0] if value.startswith(id_base) else ""
        owners.setdefault(owner, []).append(triple)
        if predicate in second:
            hops.setdefault(subject, []).append(triple)
        if predicate == subclass:
            schema.append(triple)
    groups: list[list[str]] = [[""]]  # the nodes outside id_base, alone
    current, count = [], 0
    for owner in sorted(o for o in owners if o):
        current.append(owner)
        count += len(owners[owner])
        if count >= size:
            groups.append(current)
            current, count = [], 0
    if current:
        groups.append(current)
    shards = []
    for group in groups:
        triples = [t for owner in group for t in owners[owner]]
        pointed = {t.object for t in triples if not isinstance(t.object, ox.Literal)}
        extra = [t for node in pointed for t in hops.get(node, ())]
        shards.append((ox.serialize(triples + extra + schema, format=ox.RdfFormat.N_TRIPLES), frozenset(group)))
    return shards


def _rudof_task(task: tuple[bytes, str, dict[str, str], frozenset, str]) -> set[Result]:
    data, shapes_nt, messages, owned, id_base = task
    return {r for r in _rudof(data, shapes_nt, messages)
            if (r.focus.split("#", 1)[0] if r.focus.startswith(id_base) else "") in owned}


def _pyshacl(store: OxigraphStore, shapes: rdflib.Graph, messages: dict[str, str]) -> set[Result]:
    import pyshacl

    conforms, report, _ = pyshacl.validate(union_graph(store), shacl_graph=shapes, inference="none",
                                           allow_warnings=True)
    if conforms:
        return set()
    results = set()
    for top in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(top, SH.result):  # not the nested sh:detail results
            path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
            shape = str(report.value(result, SH.sourceShape) or "")
            if isinstance(value, rdflib.Literal) and value.datatype is not None and _local(value.datatype) in NUMBERS:
                value = _number(str(value))
            results.add(Result(str(report.value(result, SH.focusNode)), str(path) if path is not None else "",
                               _local(str(report.value(result, SH.sourceConstraintComponent) or "")),
                               str(value) if value is not None else None, shape, messages.get(shape, "")))
    return results


def _rudof(data: bytes, shapes_nt: str, messages: dict[str, str]) -> set[Result]:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.decode(), format=pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes_nt, format=pyrudof.ShaclFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
    report = rudof.validate_shacl()
    if report.conforms:
        return set()
    results = set()
    for entry in report:
        if entry.severity != "Violation":
            continue
        shape = _term(entry.source_shape or "")
        results.add(Result(_term(entry.focus_node), _term(entry.path or ""), _local(entry.constraint_component),
                           _term(entry.value) if entry.value is not None else None, shape,
                           messages.get(shape, "")))
    return results


def _term(text: str) -> str:
    """rudof's rendering of a term -> IRI or lexical form: <iri>, iri, "lex"@lang, "lex"^^dt."""
    if text.startswith('"') and text.count('"') > 1:
        end = text.rindex('"')
        lexical, datatype = text[1:end], text[end + 1:].removeprefix("^^")
        return _number(lexical) if datatype and _local(datatype.strip("<>")) in NUMBERS else lexical
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def _number(lexical: str) -> str:
    """Engines write numbers their own way (-5, -5.0, -5.0E0); reports use one: -5, 2.5."""
    try:
        number = float(lexical)
    except ValueError:
        return lexical  # ill-formed: as written
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _ill_formed(store: OxigraphStore, shapes: rdflib.Graph, messages: dict[str, str]) -> set[Result]:
    """sh:datatype results for ill-formed xsd:date/xsd:duration literals (which rudof accepts).

    Covers property shapes with an IRI path attached by sh:property to a node shape with
    sh:targetClass, sh:targetSubjectsOf or sh:targetNode, which is how every such constraint of
    shapes/ is written."""
    results = set()
    for node_shape, property_shape in shapes.subject_objects(SH.property):
        datatype, path = shapes.value(property_shape, SH.datatype), shapes.value(property_shape, SH.path)
        if str(datatype) not in UNCHECKED_BY_RUDOF or not isinstance(path, rdflib.URIRef):
            continue
        targets = [f"{{ ?focus a/<{rdflib.RDFS.subClassOf}>* <{c}> }}" for c in shapes.objects(node_shape, SH.targetClass)]
        targets += [f"{{ ?focus <{p}> [] }}" for p in shapes.objects(node_shape, SH.targetSubjectsOf)]
        targets += [f"{{ BIND(<{n}> AS ?focus) }}" for n in shapes.objects(node_shape, SH.targetNode)]
        if not targets:
            continue
        cast = "xsd:date" if str(datatype) == str(XSD.date) else "xsd:duration"
        query = (f"PREFIX xsd: <{XSD}> SELECT DISTINCT ?focus ?value WHERE {{ {' UNION '.join(targets)} "
                 f"?focus <{path}> ?value FILTER(isLiteral(?value) && datatype(?value) = <{datatype}>) "
                 f"BIND({cast}(STR(?value)) AS ?parsed) FILTER(!BOUND(?parsed)) }}")
        for row in store.select(query):
            results.add(Result(row["focus"].value, str(path), "DatatypeConstraintComponent", row["value"].value,
                               str(property_shape), messages.get(str(property_shape), "")))
    return results


def validate(store: OxigraphStore, catalogue: Catalogue, engine: str | None = None) -> list[Problem]:
    """The problems of the (entailed) catalogue in `store`, as `file:line` reports."""
    config = catalogue.config
    return problems_of(shacl_results(store, config.shapes_dir, engine, id_base=config.id_base), catalogue)


def problems_of(results: list[Result], catalogue: Catalogue) -> list[Problem]:
    """SHACL results as `file:line` problems, located with the catalogue's line maps."""
    if not results:
        return []
    config = catalogue.config
    key_names = SourceContext(config.ontology_dir / "context.jsonld").key_names()
    shapes = _load_shapes(config.shapes_dir)[0]
    problems = [_problem(result, catalogue, key_names, shapes) for result in results]
    return _deduplicate(problems)


def _deduplicate(problems: list[Problem]) -> list[Problem]:
    """Several shapes may flag the same value; keep one problem per place, ours first."""
    best: dict[tuple, Problem] = {}
    for problem in sorted(problems, key=lambda p: ("`" not in p.message, p.message)):
        where = (problem.file, problem.line, problem.focus, problem.path, problem.message.rpartition("(value: ")[2])
        best.setdefault(where, problem)
    return list(best.values())


def _problem(result: Result, catalogue: Catalogue, key_names: dict[str, str], shapes: rdflib.Graph) -> Problem:
    key = key_names.get(result.path, shapes.namespace_manager.normalizeUri(rdflib.URIRef(result.path))
                        if result.path else "")
    found = catalogue.entity_for(result.focus)
    if found:
        entity, relative = found
        node = entity.nodes.get(relative)
        line = (node.key_lines.get(key, node.line) if node else 0)
        file, focus_text = entity.file, relative
    else:
        file, line, focus_text = "ontology/", 0, result.focus
    message = result.message or MESSAGES.get(result.component, result.component)
    if result.value is not None and result.focus != result.value:
        message += f" (value: {result.value})"
    fix = "" if result.message else FIXES.get(result.component, "").format(key=key)
    return Problem(file, line, message, focus=focus_text, path=key, fix=fix)
