"""Answer /sparql protocol queries through the build's oxigraph sidecar (sidecar.py).

`QueryExecutor.run` leases the sidecar of the store being served (starting it on first use, and
a new one when the served build moves; the old one stops when its last request is done) and lets
`answer` add the endpoint's LIMIT, negotiate the format and map errors, through `SidecarStore`: a
`RemoteStore` whose requests go over one keep-alive connection per thread (measured at 1M triples:
0.13 ms of CPU and 0.4 ms per cheap query against 0.3 ms and 1.6-2.2 ms through SPARQLWrapper,
which opens a connection, and an oxigraph thread, per request).

Timeouts: oxigraph stops a query after `--timeout-s` but has sent `200` and the start of the
results by then; it ends the body with its error message, which is mapped to `QueryTimeout`
(other errors met while streaming, e.g. a failing SERVICE call, to a 400 "Query failed").
Some evaluations (ORDER BY or GROUP BY materialising a huge join) do not check that deadline: a
query still silent `GRACE_SECONDS` after it is killed with its sidecar, as the query processes of
old were, and the next request starts a fresh one. A request that finds its sidecar gone (or its
keep-alive connection closed) is retried on a fresh connection and, if needed, a fresh sidecar.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .negotiation import choose
from .query_text import calls_service, with_limit
from .remote import JSON_RESULTS, N_TRIPLES, RemoteStore, server_message
from .sidecar import Sidecar
from .store import QueryError, Store, StoreUnavailable

GRACE_SECONDS = 2.0
ATTEMPTS = 3  # a stale keep-alive connection, then a dead sidecar, may each cost one
CANCELLED = b"The SPARQL operation has been cancelled"  # oxigraph's message when --timeout-s hits


class ResultTooLarge(RuntimeError):
    """The results are larger than the endpoint sends (answered as a failed query, 400)."""


class OverBudget(Exception):
    """The query needs longer than the light lane allows (admission.py): run it again as heavy."""


class QueryTimeout(Exception):
    """The query ran longer than the endpoint allows. Not a RuntimeError: `answer` must let it
    through to the protocol handler (503) rather than report it as the query's fault (400)."""


@dataclass(frozen=True)
class Answer:
    """What /sparql sends back for a query."""

    status: int  # 200, 400 (malformed) or 406 (no acceptable format)
    media_type: str
    body: bytes
    limited: bool = False  # True when the endpoint's LIMIT was applied


def answer(store: Store, query: str, default_graphs: list[str], named_graphs: list[str],
           accept: str, format_param: str | None, limit: int) -> Answer:
    """Evaluate and serialise one protocol query on store (the sidecar, or a remote store).
    Nothing is evaluated here: the store parses, with the endpoint's LIMIT (query_text.py)."""
    if calls_service(query):
        return Answer(400, "text/plain", b"Federated queries (SERVICE) are not run by this endpoint: "
                                         b"query the other endpoint yourself and join the results.\n")
    sent, limited = with_limit(query, limit)
    try:
        try:
            result = store.run(sent, default_graphs, named_graphs)
        except (QueryError, SyntaxError):
            if not limited:
                raise
            # The engine refused the LIMIT we added (or the query itself): the query as it came,
            # whose error, if any, is the one to report.
            result, limited = store.run(query, default_graphs, named_graphs), False
        media_type = choose(result.media_types, parse_accept_header(accept, MIMEAccept), format_param)
        if media_type is None:
            return Answer(406, "text/plain", ("None of the requested formats fits this result; available: "
                                              + ", ".join(result.media_types) + "\n").encode())
        return Answer(200, media_type, result.serialize(media_type), limited and result.form != "boolean")
    except (QueryError, SyntaxError) as err:
        return Answer(400, "text/plain", f"Malformed query: {err}\n".encode())
    except (OSError, RuntimeError, ValueError) as err:
        return Answer(400, "text/plain", f"Query failed: {err}\n".encode())


class SidecarStore(RemoteStore):
    """The sidecar as a `RemoteStore`, over one keep-alive HTTP connection per thread."""

    def __init__(self, sidecar: Sidecar, max_bytes: int = 64 * 1024 * 1024):
        super().__init__("http://127.0.0.1/query", timeout=sidecar.timeout)
        self.sidecar, self.max_bytes = sidecar, max_bytes
        self._local = threading.local()

    def _connection(self, port: int, seconds: float) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.port != port:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)
            self._local.connection = connection
        connection.timeout = seconds
        if connection.sock is not None:
            connection.sock.settimeout(seconds)
        return connection

    def set_budget(self, seconds: float | None) -> None:
        """This thread's next requests wait `seconds` for their answer (None: the timeout and grace)."""
        self._local.budget = seconds

    def _request(self, query: str, accept: str, default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None) -> tuple[str, bytes]:
        form = [("query", query), *(("default-graph-uri", g) for g in default_graphs or ()),
                *(("named-graph-uri", g) for g in named_graphs or ())]
        body = urllib.parse.urlencode(form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        # One deadline for every attempt: a query retried on a fresh sidecar (its own was killed
        # for another thread's query) has what is left, or the watchdog's bound would not hold.
        deadline = time.monotonic() + (getattr(self._local, "budget", None) or self.timeout + GRACE_SECONDS)
        for attempt in range(1, ATTEMPTS + 1):
            port = self.sidecar.ensure()
            connection = self._connection(port, max(deadline - time.monotonic(), 0.001))
            try:
                connection.request("POST", "/query", body, headers)
                response = connection.getresponse()
                data = _read_before(response, self.max_bytes + 1, deadline)
                if len(data) > self.max_bytes:
                    connection.close()  # oxigraph stops evaluating when it can no longer write
                    raise ResultTooLarge(f"the results are larger than {self.max_bytes // 2**20} MiB: "
                                         "add a LIMIT or select fewer columns")
                break
            except (socket.timeout, TimeoutError):
                connection.close()
                if getattr(self._local, "budget", None):
                    # Abandoned, not killed: the sidecar's own timeout ends it (at a lower priority).
                    raise OverBudget() from None
                self.sidecar.kill(port)  # stuck where its own timeout does not reach: stop it
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped") from None
            except (OSError, http.client.HTTPException) as err:
                connection.close()  # a keep-alive connection the server closed, or a dead sidecar
                if isinstance(err, ConnectionRefusedError):
                    self.sidecar.kill(port)  # not listening: dead, or still dying (not reaped yet)
                if attempt == ATTEMPTS:
                    raise StoreUnavailable(f"the query engine does not answer: {err!r}") from None
        if data.endswith(CANCELLED):
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
        if response.status == 400:
            raise QueryError(server_message(data))
        if response.status != 200:
            raise RuntimeError(f"{response.status} {server_message(data)}")  # answered as "Query failed" (400)
        media_type = response.headers.get_content_type()
        if not _complete(media_type, data):
            tail = data[-300:].decode("utf-8", "replace")
            raise RuntimeError(f"the query failed while its results were sent: {tail}")
        return media_type, data


READ_CHUNK = 256 * 1024


def _read_before(response: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    """At most `limit` bytes of the body, read before `deadline` (time.monotonic()), else
    `TimeoutError`: the socket's timeout bounds each read, not their sum, and results that trickle
    out of a busy engine would otherwise hold the thread past the query's timeout."""
    chunks, size = [], 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the results did not arrive in time")
        chunk = response.read(min(READ_CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _complete(media_type: str, data: bytes) -> bool:
    """False when oxigraph broke off the results with an error message (after a 200). Checked for
    the formats `RemoteResult` asks first, SPARQL JSON and N-Triples, which fail first."""
    if media_type == JSON_RESULTS:
        return data[-64:].rstrip().endswith(b"}")
    if media_type == N_TRIPLES:
        return not data or data.endswith(b"\n")
    return True


@dataclass
class _Lease:
    store: SidecarStore
    users: int = 0


class QueryExecutor:
    """One sidecar per served store path in this process; an old one stops once it is unused."""

    def __init__(self, timeout: float, limit: int, max_bytes: int = 64 * 1024 * 1024):
        self.timeout, self.limit, self.max_bytes = timeout, limit, max_bytes
        self._leases: dict[str, _Lease] = {}
        self._newest: str | None = None
        self._retired: set[str] = set()
        self._lock = threading.Lock()

    def _acquire(self, store_path: str) -> _Lease:
        with self._lock:
            if store_path in self._retired and self._newest in self._leases:
                store_path = self._newest  # a request that read the old build just before the switch
            lease = self._leases.get(store_path)
            if lease is None:
                lease = self._leases[store_path] = _Lease(SidecarStore(Sidecar(store_path, self.timeout), self.max_bytes))
                if self._newest is not None:
                    self._retired.add(self._newest)
                self._newest = store_path
            lease.users += 1
            idle = self._idle_retired()
        for old in idle:
            old.store.sidecar.kill()
        return lease

    def _release(self, lease: _Lease) -> None:
        with self._lock:
            lease.users -= 1
            idle = self._idle_retired()
        for old in idle:
            old.store.sidecar.kill()

    def _idle_retired(self) -> list[_Lease]:
        """Retired leases nobody uses any more, forgotten (call with the lock held)."""
        idle = [path for path, lease in self._leases.items() if path != self._newest and lease.users == 0]
        return [self._leases.pop(path) for path in idle]

    def run(self, store_path: str, query: str, default_graphs: list[str], named_graphs: list[str],
            accept: str, format_param: str | None, budget: float | None = None) -> Answer:
        """Answer one protocol query on the sidecar of store_path (see `answer`), within `budget`
        seconds if given (else `OverBudget`)."""
        lease = self._acquire(store_path)
        lease.store.set_budget(budget)
        try:
            return answer(lease.store, query, default_graphs, named_graphs, accept, format_param, self.limit)
        finally:
            self._release(lease)

    def close(self) -> None:
        """Stop every sidecar of this executor."""
        with self._lock:
            leases, self._leases, self._newest = list(self._leases.values()), {}, None
        for lease in leases:
            lease.store.sidecar.kill()
