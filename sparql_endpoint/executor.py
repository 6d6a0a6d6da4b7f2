"""Run SPARQL queries of the public endpoint in child processes, so a heavy query can be stopped.

pyoxigraph cannot cancel a running query, so each gunicorn worker keeps a few child processes that
hold the served store open read-only. A query that outlives the timeout has its child killed (and
replaced): it can use one core for at most `timeout` seconds and never stalls other clients.
Results are limited to `limit` rows (a LIMIT is added to the query when it has none of its own);
serialisation is pyoxigraph's, done in the child.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .negotiation import choose
from .store import OxigraphStore, QueryError


class QueryTimeout(RuntimeError):
    """The query ran longer than the endpoint allows."""


class EndpointBusy(RuntimeError):
    """No query process became free in time."""


@dataclass(frozen=True)
class Answer:
    status: int  # 200, 400 (malformed) or 406 (no acceptable format)
    media_type: str
    body: bytes
    limited: bool = False  # True when the endpoint's LIMIT was applied


def answer(store: OxigraphStore, query: str, default_graphs: list[str], named_graphs: list[str],
           accept: str, format_param: str | None, limit: int) -> Answer:
    """Evaluate and serialise one protocol query (runs in the child, or inline for tests)."""
    limited = False
    try:
        try:
            result = store.run(f"{query}\nLIMIT {limit}", default_graphs, named_graphs)
            limited = True
        except QueryError:
            result = store.run(query, default_graphs, named_graphs)
        media_type = choose(result.media_types, parse_accept_header(accept, MIMEAccept), format_param)
        if media_type is None:
            return Answer(406, "text/plain", ("None of the requested formats fits this result; available: "
                                              + ", ".join(result.media_types) + "\n").encode())
        return Answer(200, media_type, result.serialize(media_type), limited and result.form != "boolean")
    except (QueryError, SyntaxError) as err:
        return Answer(400, "text/plain", f"Malformed query: {err}\n".encode())
    except (OSError, RuntimeError, ValueError) as err:
        return Answer(400, "text/plain", f"Query failed: {err}\n".encode())


def _child(connection: Connection) -> None:
    stores: dict[str, OxigraphStore] = {}
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        path = request.pop("store_path")
        if path not in stores:
            stores.clear()
            stores[path] = OxigraphStore(path, read_only=True)
        connection.send(answer(stores[path], **request))


class _Child:
    def __init__(self, context) -> None:
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_child, args=(child_end,), daemon=True)
        self.process.start()
        child_end.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class QueryExecutor:
    """A small pool of query processes; one query at a time per process."""

    def __init__(self, size: int, timeout: float, limit: int):
        self.size, self.timeout, self.limit = size, timeout, limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()

    def _acquire(self) -> _Child:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._started < self.size:
                self._started += 1
                return _Child(self._context)
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise EndpointBusy("all query processes are busy; try again shortly") from None

    def run(self, store_path: str, query: str, default_graphs: list[str], named_graphs: list[str],
            accept: str, format_param: str | None) -> Answer:
        child = self._acquire()
        try:
            child.connection.send({"store_path": store_path, "query": query, "default_graphs": default_graphs,
                                   "named_graphs": named_graphs, "accept": accept,
                                   "format_param": format_param, "limit": self.limit})
            if not child.connection.poll(self.timeout):
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped")
            result = child.connection.recv()
        except BaseException:
            child.kill()
            with self._lock:
                self._started -= 1
            raise
        self._idle.put(child)
        return result

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().kill()
