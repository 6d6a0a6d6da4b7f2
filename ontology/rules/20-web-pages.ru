# Web pages outside the catalogue that CPSV-AP expects to be typed foaf:Document (the range of
# cv:contactPage and foaf:page in the official shapes): a contact page or a form's download link.
PREFIX cv: <http://data.europa.eu/m8g/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>

INSERT { GRAPH ?g { ?page a foaf:Document } }
WHERE { GRAPH ?g { ?s cv:contactPage|foaf:page ?page } FILTER(isIRI(?page)) }
