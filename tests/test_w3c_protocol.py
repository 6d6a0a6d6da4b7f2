"""The W3C SPARQL 1.1 Protocol test suite, replayed against /sparql from its own manifest.

`tests/fixtures/w3c-protocol/` holds the W3C manifest and data files, unchanged (SOURCE.md).
Every `mf:entries` item becomes one case, named by its local name. A manifest entry that cannot
be read as a case fails at collection, and `test_every_manifest_entry_ran` checks that each entry
ran. A case gets its own on-disk store, holding the test's `ut:graphData` in named graphs named by
their `rdfs:label`. It is served as `var/current` through `create_app`, the
`oxigraph serve-read-only` sidecar included. The case sends each `ht:Request` as written: the
method, the path (`/sparql/` becomes `/sparql`, and `ERRATA` applies upstream's later fix), the
headers, and the body in its `cnt:characterEncoding`. It then checks `ht:resp`: the status class,
and the results, parsed in the format the manifest names.
The manifest's comments show that no test needs data in the default graph without dataset
parameters: those tests ask `ASK {}` or read named graphs. So the default graph stays empty.

This endpoint is read-only, so the `update_*` cases expect something else than the manifest
(`READ_ONLY`, below). The `bad_update_*` cases keep the manifest's 4xx.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from isoko.app import create_app
from isoko.config import Config

MANIFEST = Path(__file__).parent / "fixtures" / "w3c-protocol" / "manifest.ttl"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
READ_ONLY_TEXT = "read-only"

# The update_* cases expect 2xx from an update service. Here every update request must get a 4xx
# (403 is what the endpoint sends) whose text says the endpoint is read-only. A query request that
# follows one still gets its 2xx in its format, but it must show that nothing changed: ASK is
# false, and SELECT has no rows.
READ_ONLY: dict[str, str] = {
    "update_dataset_default_graph": "POST application/sparql-update with using-graph-uri: refused",
    "update_dataset_default_graphs": "POST application/sparql-update with two using-graph-uri: refused",
    "update_dataset_named_graphs": "POST application/sparql-update with using-named-graph-uri: refused",
    "update_dataset_full": "POST application/sparql-update with using-graph-uri and using-named-graph-uri: refused",
    "update_post_form": "POST form update=CLEAR ALL: refused",
    "update_post_direct": "POST application/sparql-update CLEAR ALL: refused",
    "update_base_uri": "POST application/sparql-update INSERT DATA with a relative IRI: refused, so no row follows",
}
# Defects in the manifest version we hold that upstream has since fixed: test -> (old, new, fix).
ERRATA: dict[str, tuple[str, str, str]] = {
    "query_multiple_dataset": ("%26named-graph-uri%3D", "&named-graph-uri=",
                               "w3c/rdf-tests #312 (c7817c2): two named-graph-uri, not one IRI holding '&'"),
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx"
    format: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None
    rows: int | None = None
    read_only: bool = False  # the answer must say that the endpoint is read-only


@dataclass(frozen=True)
class Case:
    name: str
    graph_data: tuple[tuple[Path, str], ...]  # (file, graph IRI)
    requests: tuple[Request, ...]


def _objects(graph: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list:
    return [quad.object for quad in graph.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _value(graph: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str):
    found = _objects(graph, subject, predicate)
    assert len(found) <= 1, (subject, predicate, found)
    return found[0] if found else None


def _items(graph: ox.Store, head) -> list:
    """The members of the RDF list starting at head (none when head is None)."""
    members = []
    while head is not None and head != ox.NamedNode(RDF + "nil"):
        members.append(_value(graph, head, RDF + "first"))
        head = _value(graph, head, RDF + "rest")
    return members


def _request(graph: ox.Store, node: ox.BlankNode, name: str) -> Request:
    path = _value(graph, node, HT + "absolutePath").value
    assert path.startswith("/sparql/"), path
    path = "/sparql" + path[len("/sparql/"):]
    if name in ERRATA:
        path = path.replace(*ERRATA[name][:2])
    headers = {_value(graph, h, HT + "fieldName").value: _value(graph, h, HT + "fieldValue").value
               for h in _items(graph, _value(graph, node, HT + "headers"))}
    body = _value(graph, node, HT + "body")
    data = None if body is None else _value(graph, body, CNT + "chars").value.encode(
        _value(graph, body, CNT + "characterEncoding").value)
    response = _value(graph, node, HT + "resp")
    statuses = frozenset(s.value.rsplit("StatusCode", 1)[1] for s in _objects(graph, response, MF + "expectedStatus"))
    assert statuses, (name, "no mf:expectedStatus")
    expected_format, boolean = _value(graph, response, MF + "expectedFormat"), _value(graph, response, MF + "expectedBoolean")
    return Request(_value(graph, node, HT + "methodName").value, path, headers, data, statuses,
                   expected_format and expected_format.value, boolean and boolean.value == "true")


def _is_update(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    form = request.body.decode() if media_type == "application/x-www-form-urlencoded" and request.body else ""
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query + "&" + form)
    return media_type == "application/sparql-update" or "update" in params


def _read_only(request: Request) -> Request:
    """What a READ_ONLY case expects of request instead of what the manifest says."""
    if _is_update(request):
        return replace(request, statuses=frozenset({"4xx"}), read_only=True)
    return replace(request, boolean=False if request.format == "boolean" else None,
                   rows=0 if request.format == "tabular" else None)


def load_cases() -> tuple[list[str], list[Case]]:
    """(the local names of the manifest's entries, counted on their own, and one case per entry)."""
    graph = ox.Store()
    graph.load(path=MANIFEST, format=ox.RdfFormat.TURTLE, base_iri=MANIFEST.as_uri())
    manifest = ox.NamedNode(MANIFEST.as_uri())
    entries = [s["e"].value.rsplit("#", 1)[1] for s in graph.query(
        f"SELECT ?e {{ <{manifest.value}> <{MF}entries>/<{RDF}rest>*/<{RDF}first> ?e }}")]
    cases = []
    for entry in _items(graph, _value(graph, manifest, MF + "entries")):
        name = entry.value.rsplit("#", 1)[1]
        data = tuple((Path(urllib.parse.urlsplit(_value(graph, d, UT + "graph").value).path),
                      _value(graph, d, RDFS_LABEL).value) for d in _objects(graph, entry, UT + "graphData"))
        connection = _value(graph, entry, MF + "action")
        requests = [_request(graph, r, name) for r in _items(graph, _value(graph, connection, HT + "requests"))]
        assert requests, (name, "no ht:Request")
        if name.startswith("update_"):
            assert name in READ_ONLY, (name, "an update test without a read-only expectation")
            requests = [_read_only(r) for r in requests]
        cases.append(Case(name, data, tuple(requests)))
    return entries, cases


ENTRIES, CASES = load_cases()
RAN: list[str] = []


@contextmanager
def endpoint(tmp_path: Path, graph_data: tuple[tuple[Path, str], ...]) -> Iterator[FlaskClient]:
    """/sparql over a build holding graph_data, as `var/current` points at it."""
    var, build = tmp_path / "var", tmp_path / "var" / "builds" / "w3c"
    build.mkdir(parents=True)
    store = ox.Store(str(build / "store"))
    for path, label in graph_data:
        store.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(label))
    store.flush()
    del store  # closed: the sidecar opens it read-only
    (build / "build.json").write_text(json.dumps({"id": "w3c", "created": "2026-01-01T00:00:00+00:00"}))
    (var / "current").symlink_to(Path("builds") / "w3c")
    app = create_app(Config.from_env(data_dir=tmp_path / "data", var_dir=var, base_iri="https://data.isoko.bi/"))
    try:
        yield app.test_client()
    finally:
        app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


def _solutions(response: TestResponse) -> ox.QueryBoolean | list:
    """The parsed SPARQL results (CSV by hand: pyoxigraph does not parse it)."""
    if response.mimetype == "text/csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    results_format = ox.QueryResultsFormat.from_media_type(response.mimetype)
    assert results_format, f"{response.mimetype} is not a SPARQL results format"
    parsed = ox.parse_query_results(response.data, format=results_format)
    return parsed if isinstance(parsed, ox.QueryBoolean) else list(parsed)


def check(request: Request, response: TestResponse) -> None:
    seen = (f"{request.method} {request.path} {request.headers} {request.body!r} -> {response.status_code} "
            f"{response.mimetype}: {response.get_data(as_text=True)[:300]!r}")
    assert f"{response.status_code // 100}xx" in request.statuses, seen
    if request.read_only:
        assert READ_ONLY_TEXT in response.get_data(as_text=True), seen
    try:
        _check_results(request, response, seen)
    except SyntaxError as err:  # results that do not parse in the format they are sent as
        raise AssertionError(f"{seen}: {err}") from err


def _check_results(request: Request, response: TestResponse, seen: str) -> None:
    if request.format == "RDF":
        rdf_format = ox.RdfFormat.from_media_type(response.mimetype)
        assert rdf_format, seen
        list(ox.parse(response.data, format=rdf_format))
    elif request.format == "boolean":
        solutions = _solutions(response)
        assert isinstance(solutions, ox.QueryBoolean), seen
        assert request.boolean is None or bool(solutions) is request.boolean, seen
    elif request.format == "tabular":
        solutions = _solutions(response)
        assert isinstance(solutions, list), seen
        assert request.rows is None or len(solutions) == request.rows, seen


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_w3c_protocol(case: Case, tmp_path: Path) -> None:
    RAN.append(case.name)
    with endpoint(tmp_path, case.graph_data) as client:
        for request in case.requests:
            check(request, client.open(request.path, method=request.method, headers=request.headers,
                                       data=request.body, base_url="http://www.example"))


def test_every_manifest_entry_ran() -> None:
    assert sorted(case.name for case in CASES) == sorted(ENTRIES) and len(ENTRIES) == len(set(ENTRIES)) == 34
    assert sorted(RAN) == sorted(ENTRIES), set(ENTRIES) ^ set(RAN)
