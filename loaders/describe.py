"""DCAT-AP and VoID description of a build, computed from its store (written to graph metadata)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pyoxigraph as ox

from isoko.config import Config
from sparql_endpoint.store import OxigraphStore

from .dumps import Dump

EU = "http://publications.europa.eu/resource/authority/"
PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATISTICS = ("triples", "entities", "subjects", "objects", "classes", "properties", "graphs", "links")  # in stats.json
# Links to outside datasets that VoID reports as linksets: (name, target dataset, predicate).
LINK_TARGETS = (
    ("currencies", EU + "currency", "http://data.europa.eu/m8g/currency"),
    ("languages", EU + "language", "http://purl.org/dc/terms/language"),
)


def _one(store: OxigraphStore, query: str) -> int:
    return int(store.select(query)[0]["n"].value)


def statistics(store: OxigraphStore) -> dict:
    """Counts of the store's named graphs for VoID (the queries run on two threads: pyoxigraph
    releases the GIL while it evaluates)."""
    with ThreadPoolExecutor(2) as pool:
        found = {key: value.result() for key, value in {
            key: pool.submit(compute) for key, compute in _counts(store).items()}.items()}
    found.update(found.pop("totals"))
    return {key: found[key] for key in STATISTICS}


def _counts(store: OxigraphStore) -> dict:
    return {
        "totals": lambda: _totals(store),
        "entities": lambda: _one(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER isIRI(?s) }"),
        "classes": lambda: [(r["c"].value, int(r["n"].value)) for r in store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c")],
        "properties": lambda: [(r["p"].value, int(r["n"].value)) for r in store.select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p")],
        "graphs": lambda: [(r["g"].value, int(r["n"].value)) for r in store.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")],
        "links": lambda: [(name, target, predicate, _one(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{predicate}> ?o "
                                                         f"FILTER STRSTARTS(STR(?o), \"{target}/\") }}"))
                  for name, target, predicate in LINK_TARGETS],
    }


def _totals(store: OxigraphStore) -> dict[str, int]:
    """The triples, distinct subjects and distinct objects of the named graphs, in one pass."""
    row = store.select("SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
                       "(COUNT(DISTINCT ?o) AS ?objects) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]
    return {key: int(row[key].value) for key in ("triples", "subjects", "objects")}


def patch_statistics(stats: dict, before: OxigraphStore, after: OxigraphStore, removed: list[ox.Quad],
                     added: list[ox.Quad], other_graphs: list[str]) -> dict:
    """`statistics` of `after`, from those of `before` and the quads that differ (no blank nodes):
    counts move by the quads removed and added, distinct terms by whether each term of those quads
    is still there, or newly. `other_graphs`: graphs of the stores that the statistics leave out."""
    outside = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in other_graphs)}))" if other_graphs else ""

    def moved(pattern: str) -> int:
        query = f"ASK {{ GRAPH ?g {{ {pattern} }} {outside} }}"
        return int(after.ask(query)) - int(before.ask(query))

    def counted(pairs: list[tuple[str, int]], key) -> list[tuple[str, int]]:
        counts = Counter(dict(pairs))
        for sign, quads in ((-1, removed), (1, added)):
            for quad in quads:
                counts[key(quad)] += sign
        return sorted((name, n) for name, n in counts.items() if n)

    changed = removed + added
    typed = {(q.subject, q.object) for q in changed if q.predicate.value == RDF_TYPE}
    classes = Counter(dict(stats["classes"]))
    for subject, cls in typed:
        classes[cls.value] += moved(f"{subject} a {cls}")
    links = [(name, target, predicate, n + sum(sign * sum(1 for q in quads if q.predicate.value == predicate
                                                        and q.object.value.startswith(target + "/"))
                                                for sign, quads in ((-1, removed), (1, added))))
             for name, target, predicate, n in stats["links"]]
    return {
        "triples": stats["triples"] + len(added) - len(removed),
        "entities": stats["entities"] + sum(moved(f"{s} a ?c") for s in {s for s, _ in typed}
                                            if isinstance(s, ox.NamedNode)),
        "subjects": stats["subjects"] + sum(moved(f"{s} ?p ?o") for s in {q.subject for q in changed}),
        "objects": stats["objects"] + sum(moved(f"?s ?p {o}") for o in {q.object for q in changed}),
        "classes": sorted((c, n) for c, n in classes.items() if n),
        "properties": counted(stats["properties"], lambda q: q.predicate.value),
        "graphs": counted(stats["graphs"], lambda q: q.graph_name.value),
        "links": links,
    }


def description(config: Config, stats: dict, dumps: list[Dump], created: datetime) -> str:
    """The Turtle text of the catalogue record, dataset, distributions, SPARQL service and VoID."""
    base = config.base_iri
    dataset, catalog = f"<{base}dataset>", f"<{base}catalog>"
    lines = [PREFIXES, f"""
{catalog} a dcat:Catalog ;
  dct:title "Isôko Linked Data"@fr, "Isôko Linked Data"@en ;
  dct:description "Catalogue des données ouvertes liées d'Isôko."@fr, "Catalogue of Isôko linked open data."@en ;
  dct:publisher <{base}#publisher> ; dcat:dataset {dataset} ; dcat:service <{base}sparql> ;
  dct:modified "{created.isoformat()}"^^xsd:dateTime .
<{base}#publisher> a foaf:Agent, foaf:Organization ; foaf:name "Isôko Linked Data" ;
  dct:type <{EU}publisher-type/NonProfitOrganisation> .
{dataset} a dcat:Dataset, void:Dataset ;
  dct:title "Procédures administratives du Burundi (Isôko)"@fr, "Administrative procedures of Burundi (Isôko)"@en ;
  dct:description "Les procédures administratives du Burundi, les documents qu'elles exigent et délivrent, leurs frais, délais, bases légales et institutions responsables, décrits avec CPSV-AP 3.2.0 à partir de sources publiques citées."@fr,
    "Burundi's administrative procedures, the documents they require and deliver, their fees, processing times, legal bases and responsible institutions, described with CPSV-AP 3.2.0 from cited public sources."@en ;
  dct:publisher <{base}#publisher> ;
  dct:license <https://creativecommons.org/licenses/by/4.0/> ;
  dct:language <{EU}language/RUN>, <{EU}language/FRA>, <{EU}language/ENG> ;
  dct:spatial <{EU}country/BDI> ;
  dcat:theme <{EU}data-theme/GOVE> ;
  dcat:keyword "procédures administratives"@fr, "administrative procedures"@en, "CPSV-AP"@en ;
  dct:conformsTo <http://data.europa.eu/m8g/cpsvap/3.2.0> ;
  dct:modified "{created.isoformat()}"^^xsd:dateTime ;
  dcat:landingPage <{base}> ;
  void:sparqlEndpoint <{base}sparql> ;
  void:uriSpace "{base}id/" ;
  void:vocabulary <http://purl.org/vocab/cpsv#>, <http://data.europa.eu/m8g/>, <http://purl.org/dc/terms/>, <http://www.w3.org/2004/02/skos/core#> ;
  void:triples {stats["triples"]} ; void:entities {stats["entities"]} ;
  void:distinctSubjects {stats["subjects"]} ; void:distinctObjects {stats["objects"]} ;
  void:classes {len(stats["classes"])} ; void:properties {len(stats["properties"])} ;
  void:dataDump {", ".join(f"<{base}dumps/{d.file}>" for d in dumps)} .
<{base}sparql> a dcat:DataService, sd:Service ;
  dct:title "Point d'accès SPARQL d'Isôko"@fr, "Isôko SPARQL endpoint"@en ;
  dcat:endpointURL <{base}sparql> ; dcat:endpointDescription <{base}sparql> ;
  dct:conformsTo <https://www.w3.org/TR/sparql11-protocol/> ; dcat:servesDataset {dataset} ."""]
    lines.append(f"""{dataset} dcat:distribution <{base}feed/ldes>, <{base}feed.atom> .
<{base}feed/ldes> a dcat:Distribution ;
  dct:title "Flux des modifications (Linked Data Event Stream)"@fr, "Change stream (Linked Data Event Stream)"@en ;
  dct:description "Chaque version de chaque entité du catalogue depuis la première publication, par pages immuables, pour répliquer le catalogue et rester à jour."@fr,
    "Every version of every entity of the catalogue since the first build, in immutable pages, to replicate the catalogue and keep in sync."@en ;
  dcat:accessURL <{base}feed/ldes> ; dct:conformsTo <https://w3id.org/ldes/specification> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/ld+json> ;
  dct:license <https://creativecommons.org/licenses/by/4.0/> .
<{base}feed.atom> a dcat:Distribution ;
  dct:title "Fil Atom des modifications"@fr, "Atom feed of changes"@en ;
  dcat:accessURL <{base}feed.atom> ; dct:conformsTo <https://www.rfc-editor.org/rfc/rfc4287> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/atom+xml> ;
  dct:license <https://creativecommons.org/licenses/by/4.0/> .""")
    for dump in dumps:
        what = f"the named graph {dump.graph}" if dump.graph else "all named graphs"
        lines.append(f"""{dataset} dcat:distribution <{base}dumps/{dump.file}> .
<{base}dumps/{dump.file}> a dcat:Distribution ; dct:title "{dump.file}" ;
  dct:description "Gzip-compressed dump of {what}."@en ;
  dcat:downloadURL <{base}dumps/{dump.file}> ; dcat:accessURL <{base}dumps/{dump.file}> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/{dump.media_type}> ;
  dcat:compressFormat <https://www.iana.org/assignments/media-types/application/gzip> ;
  dcat:byteSize {dump.bytes} ; dct:license <https://creativecommons.org/licenses/by/4.0/> .""")
    for number, (graph, triples) in enumerate(stats["graphs"]):
        lines.append(f"""{dataset} void:subset <{base}dataset#graph-{number}> .
<{base}dataset#graph-{number}> a void:Dataset ; sd:name <{graph}> ; void:triples {triples} .""")
    for number, (cls, entities) in enumerate(stats["classes"]):
        lines.append(f"{dataset} void:classPartition [ void:class <{cls}> ; void:entities {entities} ] .")
    for prop, triples in stats["properties"]:
        lines.append(f"{dataset} void:propertyPartition [ void:property <{prop}> ; void:triples {triples} ] .")
    for name, target, predicate, triples in stats["links"]:
        if triples:
            lines.append(f"""{dataset} void:subset <{base}dataset#links-{name}> .
<{base}dataset#links-{name}> a void:Linkset ; void:subjectsTarget {dataset} ; void:objectsTarget <{target}> ;
  void:linkPredicate <{predicate}> ; void:triples {triples} .""")
    return "\n".join(lines) + "\n"


def describe(config: Config, stats: dict, dumps: list[Dump], created: datetime) -> list[ox.Quad]:
    text = description(config, stats, dumps, created)
    graph = ox.NamedNode(config.graph_iri("metadata"))
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)]
