"""SPARQL 1.1 Service Description of the endpoint, generated from the served build."""

from __future__ import annotations

import pyoxigraph as ox

from .store import GRAPH_FORMATS

FORMATS = {  # W3C format IRIs (http://www.w3.org/ns/formats/) for the media types we serve
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}


def describe(endpoint: str, graphs: dict[str, int], media_type: str) -> bytes:
    result_formats = " ;\n  ".join(f"sd:resultFormat formats:{name}" for name in FORMATS.values())
    named = "".join(f"""
      sd:namedGraph [ sd:name <{name}> ; sd:graph [ a sd:Graph ; void:triples {count} ] ] ;"""
                    for name, count in sorted(graphs.items()))
    turtle = f"""
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX formats: <http://www.w3.org/ns/formats/>
<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;
  {result_formats} ;
  sd:defaultDataset [ a sd:Dataset ;{named}
      sd:defaultGraph [ a sd:Graph ; void:triples {sum(graphs.values())} ] ] .
"""
    return ox.serialize(ox.parse(turtle, format=ox.RdfFormat.TURTLE), format=GRAPH_FORMATS[media_type])
