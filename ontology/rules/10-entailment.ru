# Entailments applied to the sources before validation (and kept in the store), so that the
# official CPSV-AP shapes, which do no reasoning, see what the vocabulary implies:
# 1. rdf:type closure over rdfs:subClassOf (e.g. cv:PublicOrganisation -> org:Organization -> foaf:Agent,
#    isoko:Document -> cv:Evidence and cv:Output, cv:LifeEvent -> cv:Event);
# 2. an agent's dct:title from its skos:prefLabel (CPSV-AP's AgentShape asks for a title).
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>

INSERT { GRAPH ?g { ?s a ?super } }
WHERE { GRAPH ?g { ?s a ?class } GRAPH ?vocabulary { ?class rdfs:subClassOf+ ?super } } ;

INSERT { GRAPH ?g { ?agent dct:title ?label } }
WHERE {
  GRAPH ?g { ?agent a foaf:Agent ; skos:prefLabel ?label }
  FILTER NOT EXISTS { GRAPH ?g { ?agent dct:title ?title } }
}
