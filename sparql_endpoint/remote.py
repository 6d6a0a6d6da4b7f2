"""The store interface over any SPARQL 1.1 Protocol + Graph Store Protocol server.

Apache Jena Fuseki (TDB2) is the production target; `oxigraph serve` is a second server the tests
run too. Queries go through SPARQLWrapper, writes through plain HTTP: the Graph Store Protocol
(PUT/POST/DELETE of a named graph) and SPARQL Update. Terms come back as pyoxigraph terms, exactly
as `OxigraphStore` returns them, so readers cannot tell the backends apart.

Endpoints. `RemoteStore("http://127.0.0.1:3030/isoko")` sends queries, updates and GSP requests to
that one dataset URL, which Fuseki dispatches on the request. Servers that split them take a spec
whose other operations are resolved against the first URL (`RemoteStore.from_spec`):

    http://127.0.0.1:3030/isoko                                   Fuseki
    http://127.0.0.1:7878/ query=query update=update data=store   oxigraph serve

`user:password@` in a URL is sent as HTTP Basic authentication (never logged).

Default graph. The catalogue's SPARQL default graph is the union of its named graphs. A remote
store holds that union *materialised in its real default graph*, written by `isoko publish` in the
same transaction as the named graphs (see loaders/publish.py). So the server needs no
union-default-graph setting and must not have one: publish stages graphs under other names, and a
union default graph would show them to readers while they load.

Build metadata. Publish also writes the graph `{base}graph/build` (not part of the default graph):
`dct:identifier` (build id), `dct:created`, `dct:issued` (publish time), `void:triples`,
`isoko:procedures` and `isoko:buildManifest` (the build's build.json, as a JSON string).
`build_info` reads it back for the served build's `id` and `info`.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Iterable

import pyoxigraph as ox
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

from .store import GRAPH_FORMATS, QueryError, RESULT_FORMATS, Row, StoreUnavailable, sparql_string

STAGING_PREFIX = "urn:isoko:staging:"
BUILD_GRAPH = "graph/build"  # relative to the base IRI
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
ISOKO = "https://data.isoko.bi/def/isoko#"
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_ANY = f"{JSON_RESULTS}, {N_TRIPLES};q=0.9, text/turtle;q=0.8"
_FORMS = {"select": "bindings", "ask": "boolean", "construct": "graph", "describe": "graph"}
# The prologue (BASE, PREFIX, comments) then the query form; IRIs are whole tokens so `#` in them is safe.
_PROLOGUE = re.compile(r"(?:\s|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_NETWORK_ERRORS = (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout,
                   http.client.HTTPException, OSError)


class StoreRefused(RuntimeError):
    """The server answered but refused a write (bad data, no update service, not authorised...)."""


def query_form(query: str) -> str | None:
    """"bindings", "boolean" or "graph" from the query's first keyword; None if not recognised."""
    match = _FORM.match(query, _PROLOGUE.match(query).end())
    return _FORMS[match.group(1).lower()] if match else None


def _split_auth(url: str) -> tuple[str, str | None]:
    """The URL without `user:password@`, and the matching Basic Authorization header value."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    credentials = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
    header = "Basic " + base64.b64encode(credentials.encode()).decode()
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), header


def server_message(body: bytes | str | None) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    text = re.sub(r"^\s*Error \d{3}:\s*", "", text.strip())  # Fuseki's prefix
    return text or "no message"


class _QueryOnly(SPARQLWrapper):
    """SPARQLWrapper that always sends a *query*: its keyword sniffing would send `INSERT ...` text
    to the update endpoint; here the query service parses it and refuses it (400). HTTP errors are
    left as they are, so the server's own message (kept out of SPARQLWrapper's exceptions) is read."""

    def _parseQueryType(self, query: str) -> str:  # no guessing, no warnings
        return "SELECT"

    def _query(self):
        return urllib.request.urlopen(self._createRequest(), timeout=self.timeout), self.returnFormat

    def isSparqlUpdateRequest(self) -> bool:
        return False

    def isSparqlQueryRequest(self) -> bool:
        return True


def _term(binding: dict) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        try:
            return ox.BlankNode(value)
        except ValueError:  # a label pyoxigraph does not accept: keep it stable and unique
            return ox.BlankNode("x" + value.encode().hex())
    if kind in ("literal", "typed-literal"):
        if binding.get("xml:lang"):
            return ox.Literal(value, language=binding["xml:lang"])
        datatype = binding.get("datatype")
        if datatype and datatype != XSD + "string":
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)
    raise QueryError(f"unsupported term in the store's answer: {kind}")


def _graph_format(media_type: str) -> ox.RdfFormat:
    return GRAPH_FORMATS.get(media_type, ox.RdfFormat.N_TRIPLES)


class RemoteResult:
    """A query result on the server. `run` asks for it at once in the form's first media type
    (SPARQL JSON results, N-Triples), so a malformed query fails there as it does on the embedded
    store; any other serialisation is asked of the server in that media type when wanted."""

    def __init__(self, store: "RemoteStore", query: str, form: str | None,
                 default_graphs: list[str], named_graphs: list[str]):
        self._store, self._query = store, query
        self._graphs = (default_graphs, named_graphs)
        accept = {"graph": f"{N_TRIPLES}, text/turtle;q=0.9", None: _ANY}.get(form, JSON_RESULTS)
        media_type, body = store._request(query, accept, default_graphs, named_graphs)
        self._bodies = {media_type: body}
        self.form = form or _form_of(media_type, body)

    @property
    def media_types(self) -> list[str]:
        return list(GRAPH_FORMATS if self.form == "graph" else RESULT_FORMATS)

    def serialize(self, media_type: str) -> bytes:
        if media_type not in self._bodies:
            self._bodies[media_type] = self._store._request(self._query, media_type, *self._graphs)[1]
        return self._bodies[media_type]


def _form_of(media_type: str, body: bytes) -> str:
    """The form of a query the text did not tell, from the server's answer."""
    if media_type in GRAPH_FORMATS or media_type == "text/plain":
        return "graph"
    if media_type == JSON_RESULTS:
        return "boolean" if "boolean" in json.loads(body) else "bindings"
    return "bindings"


class RemoteStore:
    """A dataset on a SPARQL 1.1 server; see the module docstring for endpoints and default graph."""

    def __init__(self, endpoint_url: str, *, update_url: str | None = None,
                 data_url: str | None = None, timeout: float = 30.0, write_timeout: float = 300.0):
        self.query_url, self._auth = _split_auth(endpoint_url)
        self.update_url, update_auth = _split_auth(update_url or endpoint_url)
        self.data_url, data_auth = _split_auth(data_url or endpoint_url)
        self._write_auth = update_auth or data_auth or self._auth
        self.timeout, self.write_timeout = timeout, write_timeout

    @classmethod
    def from_spec(cls, spec: str, **options) -> "RemoteStore":
        """`URL [query=URL] [update=URL] [data=URL]`, the named ones resolved against the first."""
        words = spec.split()
        if not words or not words[0].startswith(("http://", "https://")):
            raise ValueError(f"a store is `URL [query=URL] [update=URL] [data=URL]`, not {spec!r}")
        base, named = words[0], {}
        for word in words[1:]:
            key, _, value = word.partition("=")
            if key not in ("query", "update", "data") or not value:
                raise ValueError(f"unknown store endpoint {word!r}: use query=, update= or data=")
            named[key] = _with_auth(base, urllib.parse.urljoin(base, value))
        return cls(named.get("query", base), update_url=named.get("update", base),
                   data_url=named.get("data", base), **options)

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # -- reading ------------------------------------------------------------------------------

    def _request(self, query: str, accept: str, default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None) -> tuple[str, bytes]:
        client = _QueryOnly(self.query_url)
        client.setQuery(query)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        if self._auth:
            client.addCustomHttpHeader("Authorization", self._auth)
        client.setTimeout(max(1, round(self.timeout)))
        for graph in default_graphs or ():
            client.addDefaultGraph(graph)
        for graph in named_graphs or ():
            client.addNamedGraph(graph)
        try:
            response = client.query().response
            return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as err:
            message = server_message(err.read())
            if err.code == 400:
                raise QueryError(message) from None
            raise StoreUnavailable(f"the store at {self.query_url} answered {err.code}: {message}") from None
        except _NETWORK_ERRORS as err:
            raise StoreUnavailable(f"the store at {self.query_url} cannot be reached: {_reason(err)}") from None

    def select(self, query: str) -> list[Row]:
        data = json.loads(self._request(query, JSON_RESULTS)[1])
        if "results" not in data:
            raise QueryError("not a SELECT query")
        return [{name: _term(value) for name, value in binding.items()}
                for binding in data["results"]["bindings"]]

    def ask(self, query: str) -> bool:
        data = json.loads(self._request(query, JSON_RESULTS)[1])
        if "boolean" not in data:
            raise QueryError("not an ASK query")
        return bool(data["boolean"])

    def construct(self, query: str) -> list[ox.Triple]:
        media_type, body = self._request(query, f"{N_TRIPLES}, text/turtle;q=0.9")
        return [quad.triple for quad in ox.parse(body, format=_graph_format(media_type))]

    def run(self, query: str, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> RemoteResult:
        return RemoteResult(self, query, query_form(query), list(default_graphs or ()),
                            list(named_graphs or ()))

    def graphs(self) -> list[str]:
        """Named graphs, without the staging graphs of a publish under way."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(g for g in (r["g"].value for r in rows if "g" in r)
                      if not g.startswith(STAGING_PREFIX))

    # -- writing ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: bytes | None, content_type: str | None,
              ok_missing: bool = False) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        if self._write_auth:
            headers["Authorization"] = self._write_auth
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.write_timeout) as response:
                response.read()
        except urllib.error.HTTPError as err:
            message = server_message(err.read())
            if err.code == 404 and ok_missing:
                return
            if err.code == 400 and method == "POST" and content_type == "application/sparql-update":
                raise QueryError(message) from None
            if err.code >= 500 and err.code != 501:
                raise StoreUnavailable(f"{method} {url} failed: {err.code} {message}") from None
            raise StoreRefused(f"{method} {url} refused: {err.code} {message}") from None
        except _NETWORK_ERRORS as err:
            raise StoreUnavailable(f"the store at {url} cannot be reached: {_reason(err)}") from None

    def _graph_url(self, graph: str | None) -> str:
        joiner = "&" if "?" in self.data_url else "?"
        if graph is None:
            return self.data_url + joiner + "default"
        return self.data_url + joiner + urllib.parse.urlencode({"graph": graph})

    def update(self, update: str) -> None:
        """One SPARQL Update request: the servers run it as one transaction."""
        self._send("POST", self.update_url, update.encode("utf-8"), "application/sparql-update")

    def put_graph(self, graph: str | None, data: bytes, media_type: str = "text/turtle") -> None:
        """Replace a named graph (None: the default graph) with the serialised triples in data."""
        self._send("PUT", self._graph_url(graph), data, media_type)

    def post_graph(self, graph: str | None, data: bytes, media_type: str = "text/turtle") -> None:
        """Add the serialised triples in data to a graph (None: the default graph)."""
        self._send("POST", self._graph_url(graph), data, media_type)

    def delete_graph(self, graph: str) -> None:
        self._send("DELETE", self._graph_url(graph), None, None, ok_missing=True)

    def load(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads, one GSP POST of N-Triples per graph (not atomic across graphs)."""
        by_graph: dict[str | None, list[ox.Triple]] = {}
        for quad in quads:
            name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            by_graph.setdefault(name, []).append(quad.triple)
        for name, triples in by_graph.items():
            self.post_graph(name, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), N_TRIPLES)


def _with_auth(base: str, url: str) -> str:
    """Carry base's `user:password@` over to a URL resolved against it on the same host."""
    base_parts, parts = urllib.parse.urlsplit(base), urllib.parse.urlsplit(url)
    if base_parts.username is None or parts.username is not None or parts.hostname != base_parts.hostname:
        return url
    userinfo = base_parts.netloc.rsplit("@", 1)[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


def _reason(err: BaseException) -> str:
    reason = getattr(err, "reason", None) or err
    return str(reason) or type(reason).__name__


# -- the build-metadata graph -------------------------------------------------------------------

def build_graph(base_iri: str) -> str:
    return base_iri + BUILD_GRAPH


def build_metadata(info: dict, published: datetime | None = None) -> str:
    """The triples (SPARQL/Turtle syntax) describing a published build, for `{base}graph/build`."""
    graph = build_graph(info["base_iri"])
    published = published or datetime.now(timezone.utc)
    created = info.get("created") or published.isoformat(timespec="seconds")
    return (f"<{graph}> a <{VOID}Dataset> ;\n"
            f"  <{DCT}identifier> {sparql_string(info['id'])} ;\n"
            f"  <{DCT}created> {sparql_string(created)}^^<{XSD}dateTime> ;\n"
            f"  <{DCT}issued> {sparql_string(published.isoformat(timespec='seconds'))}^^<{XSD}dateTime> ;\n"
            f"  <{VOID}triples> {int(info['triples'])} ;\n"
            f"  <{ISOKO}procedures> {int(info['procedures'])} ;\n"
            f"  <{ISOKO}buildManifest> {sparql_string(json.dumps(info, sort_keys=True))} .\n")


def build_info(store: RemoteStore, base_iri: str) -> dict | None:
    """The manifest of the build published in the store, None if nothing was published there."""
    graph = build_graph(base_iri)
    rows = store.select(f"SELECT ?id ?manifest WHERE {{ GRAPH <{graph}> {{ <{graph}> "
                        f"<{DCT}identifier> ?id . OPTIONAL {{ <{graph}> <{ISOKO}buildManifest> ?manifest }} }} }}")
    if not rows:
        return None
    info = {}
    if "manifest" in rows[0]:
        try:
            info = json.loads(rows[0]["manifest"].value)
        except ValueError:
            info = {}
    info["id"] = rows[0]["id"].value
    return info

