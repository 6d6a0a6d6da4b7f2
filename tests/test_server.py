"""The real server as a subprocess, queried over HTTP with SPARQLWrapper and urllib."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper, TURTLE

from loaders.problems import ProblemsFound
from tests.conftest import rebuild, write

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"


def get(url: str, accept: str | None = None, expect: int = 200):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        assert err.code == expect, err.read()
        return err.code, err.headers, err.read()


def sparql(url: str, query: str, fmt):
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client.query()


def test_count_of_procedures_with_sparqlwrapper(server):
    url, _ = server
    result = sparql(url, COUNT, JSON).convert()
    assert result["results"]["bindings"][0]["n"]["value"] == "2"


@pytest.mark.parametrize("fmt, marker", [(XML, b"<sparql"), (CSV, b"n\r\n2"), (TSV, b"?n\n2")])
def test_select_result_formats(server, fmt, marker):
    url, _ = server
    body = sparql(url, COUNT, fmt).response.read()
    assert marker in body


def test_construct_as_turtle_and_jsonld(server):
    url, _ = server
    query = "CONSTRUCT WHERE { <https://data.isoko.bi/id/procedure/passport> ?p ?o }"
    graph = sparql(url, query, TURTLE).convert()
    assert len(graph) > 10
    status, headers, body = get(url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                accept="application/ld+json")
    assert headers["Content-Type"].startswith("application/ld+json")
    assert "https://data.isoko.bi/id/procedure/passport" in body.decode()


def test_post_forms_of_the_protocol(server):
    url, _ = server
    form = urllib.request.Request(url + "/sparql", data=urllib.parse.urlencode({"query": COUNT}).encode(),
                                  headers={"Accept": "application/sparql-results+json"})
    assert json.loads(urllib.request.urlopen(form).read())["results"]["bindings"][0]["n"]["value"] == "2"
    direct = urllib.request.Request(url + "/sparql", data=COUNT.encode(),
                                    headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert urllib.request.urlopen(direct).read().splitlines()[1] == b"2"


def test_malformed_query_is_400_with_parser_message(server):
    url, _ = server
    status, _, body = get(url + "/sparql?query=" + urllib.parse.quote("SELECT ?x WHERE { ?x"), expect=400)
    assert status == 400 and body.startswith(b"Malformed query:") and len(body) > 20


def test_update_is_refused(server):
    url, _ = server
    request = urllib.request.Request(url + "/sparql", data=b"update=DROP+ALL",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 403


def test_home_lists_procedure_titles_in_the_chosen_language(server):
    url, _ = server
    _, _, french = get(url + "/procedures?lang=fr")
    assert "Obtenir un passeport" in french.decode() and "Déclarer une naissance" in french.decode()
    _, _, english = get(url + "/procedures?lang=en")
    assert "Get a passport" in english.decode()


def test_procedure_page_links_what_to_bring_to_who_issues_it(server):
    url, _ = server
    _, headers, body = get(url + "/id/procedure/passport?lang=en", accept="text/html")
    page = body.decode()
    assert headers["Content-Type"].startswith("text/html")
    assert "Who is responsible" in page and "Border police" in page
    assert 'href="/id/institution/police"' in page and 'href="/id/document/birth-certificate"' in page
    assert 'href="/id/procedure/birth-registration"' in page  # the procedure that issues the certificate
    assert "235,000 BIF" in page and "3 days" in page
    assert '<link rel="alternate" type="text/turtle"' in page
    assert '"@type": "GovernmentService"' in page


def test_generic_entity_page_shows_labels_not_iris(server):
    url, _ = server
    page = get(url + "/id/procedure/passport?lang=en&view=data", accept="text/html")[2].decode()
    assert "competent authority" in page and "Border police" in page and "235000" in page
    document = get(url + "/id/document/birth-certificate?lang=en", accept="text/html")[2].decode()
    assert "Used by" in document and 'href="/id/procedure/passport"' in document


def test_entity_as_turtle_and_jsonld_by_accept(server):
    url, _ = server
    _, headers, body = get(url + "/id/procedure/passport", accept="text/turtle")
    assert headers["Content-Type"].startswith("text/turtle") and "Accept" in headers["Vary"].split(", ")
    assert b"235000" in body  # the fee node travels with the procedure
    _, headers, body = get(url + "/id/procedure/passport.jsonld")
    assert headers["Content-Type"].startswith("application/ld+json")
    json.loads(body)


def test_unknown_entity_is_404(server):
    url, _ = server
    assert get(url + "/id/procedure/nothing-here", expect=404)[0] == 404
    assert get(url + "/id/nokind/x", expect=404)[0] == 404


def test_failed_build_keeps_serving_then_good_build_switches(server):
    url, config = server
    path = write(config, "procedure/broken.yaml", "title: {fr: X, en: X}\nfee: 3\n")
    with pytest.raises(ProblemsFound):
        rebuild(config)
    assert sparql(url, COUNT, JSON).convert()["results"]["bindings"][0]["n"]["value"] == "2"
    path.unlink()
    (config.data_dir / "procedure" / "birth-registration.yaml").rename(config.data_dir / "birth.bak")
    try:
        rebuild(config)
        assert sparql(url, COUNT, JSON).convert()["results"]["bindings"][0]["n"]["value"] == "1"
    finally:
        (config.data_dir / "birth.bak").rename(config.data_dir / "procedure" / "birth-registration.yaml")
        rebuild(config)
