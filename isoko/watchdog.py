"""No serving thread stays busy past the query timeout plus a grace: a WSGI layer that watches.

Every request is tracked from the moment the app is called until the server closes its response.
Progress is the app returning and each piece of the body being taken by the server (bodies are
handed over in `PIECE`-sized pieces, so a slow but steady download keeps progressing). A request
without progress for `limit` seconds is cut: its client socket is shut down, which frees a
thread blocked writing to a client that reads one byte a second. A request still busy
`ESCALATE_SECONDS` after that is stuck where no socket reaches (evaluation in native code): it is
reported, and `on_stuck` is called once; under `isoko serve` that replaces the worker process
(isoko/server.py) while its other threads finish.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

log = logging.getLogger(__name__)
PIECE = 64 * 1024
ESCALATE_SECONDS = 2.0
CHECK_SECONDS = 0.25


@dataclass
class _Request:
    what: str
    client: socket.socket | None
    progress: float = field(default_factory=time.monotonic)
    cut: float | None = None


class Watchdog:
    """WSGI middleware around `app`; see the module docstring."""

    def __init__(self, app, limit: float, on_stuck: Callable[[str], None] | None = None,
                 escalate: float = ESCALATE_SECONDS, check: float = CHECK_SECONDS):
        self.app, self.limit, self.on_stuck = app, limit, on_stuck
        self.escalate, self.check = escalate, check
        self.busy: dict[int, _Request] = {}
        self.stuck: list[str] = []  # what was reported stuck, for the operator and the tests
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        self._start_monitor()  # here, not in __init__: a forked worker must run its own thread
        request = _Request(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}",
                           environ.get("gunicorn.socket"))
        key = id(request)
        self.busy[key] = request
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self.busy.pop(key, None)
            raise
        request.progress = time.monotonic()
        return _Tracked(result, request, lambda: self.busy.pop(key, None))

    def _start_monitor(self) -> None:
        if self._monitor is None:
            with self._lock:
                if self._monitor is None:
                    self._monitor = threading.Thread(target=_watch, args=(weakref.ref(self),), daemon=True,
                                                     name="isoko-watchdog")
                    self._monitor.start()

    def inspect(self, now: float) -> None:
        """Cut requests without progress for `limit` s; report those still busy after that."""
        for request in list(self.busy.values()):
            if request.cut is None and now - request.progress > self.limit:
                request.cut = now
                log.warning("%s made no progress for %.1f s: its connection is closed", request.what,
                            now - request.progress)
                _shut(request.client)
            elif request.cut is not None and now - request.cut > self.escalate and request.what:
                message = f"{request.what} still busy {now - request.progress:.1f} s after its last progress"
                log.error("%s: this serving process is replaced", message)
                self.stuck.append(message)
                request.what = ""  # reported once
                if self.on_stuck is not None:
                    self.on_stuck(message)


def _watch(watchdog: "weakref.ref[Watchdog]") -> None:
    """The monitor thread's loop; it holds no reference that would keep the app alive."""
    while (found := watchdog()) is not None:
        check = found.check
        found.inspect(time.monotonic())
        del found
        time.sleep(check)


def _shut(client: socket.socket | None) -> None:
    if client is not None:
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


class _Tracked:
    """The app's response, handed over in pieces that count as progress; `done` runs at close."""

    def __init__(self, result: Iterable[bytes], request: _Request, done: Callable[[], object]):
        self._result, self._request, self._done = result, request, done

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._result:
            for start in range(0, max(len(chunk), 1), PIECE):
                self._request.progress = time.monotonic()
                yield chunk[start:start + PIECE]

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._done()
