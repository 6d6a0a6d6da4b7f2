"""How many /sparql queries may be evaluated at once: per client, per serving process, and overall.

A query holds a serving thread while the engine evaluates it (up to the timeout), so unbounded
queries would take every thread and leave none for pages. Each query first takes, without
waiting, a slot of each kind; a missing slot is an immediate answer, never a queue:
- its client's (by address): `per_client` across all serving processes, else 429 — one client
  that sends heavy queries only ever holds that many;
- a lane of this process. The light lane (`LIGHT_SLOTS`, waited for up to `LIGHT_WAIT_SECONDS`)
  runs a query for at most `LIGHT_SECONDS`, one per client at a time: lookups, which take
  milliseconds, pass through it whatever heavy queries run. A query that needs longer marks its
  client heavy for `HEAVY_FOR_SECONDS` and is run again in the heavy lane (`per_process` slots,
  fewer than the threads, so pages keep some; and `overall` across processes), where that
  client's queries go directly from then on; no heavy slot free: 503.
Slots shared by processes are lock files held with `flock` (released by the kernel if a process
dies, so none leaks); clients are hashed into `CLIENT_BUCKETS` buckets to bound the files.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections import OrderedDict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator

CLIENT_BUCKETS = 4096
RETRY_AFTER_SECONDS = 2
LIGHT_SECONDS = 1.0
LIGHT_SLOTS = 2
# Longer than LIGHT_SECONDS: a light slot's holder is done (or moved to the heavy lane) within
# LIGHT_SECONDS, so a lookup waiting this long finds a light slot unless many wait at once (the
# attack run at 0.5 s sent one lookup to the full heavy lane: a 503).
LIGHT_WAIT_SECONDS = 1.5
HEAVY_FOR_SECONDS = 60.0
MAX_HEAVY_CLIENTS = 10_000  # remembered per process; the oldest are forgotten first


class Busy(Exception):
    """No slot free for this query: `status` 429 (this client) or 503 (the server)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _take_file_slot(folder: Path, prefix: str, count: int) -> int | None:
    """An open descriptor holding one of `count` lock files `prefix-N.lock`, or None if all held."""
    for index in range(count):
        descriptor = os.open(folder / f"{prefix}-{index}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            os.close(descriptor)
    return None


class Admission:
    """The three bounds of the module docstring, for the processes that share `folder`."""

    def __init__(self, folder: Path, per_client: int, per_process: int, overall: int):
        self.folder = folder
        self.per_client, self.per_process, self.overall = per_client, per_process, overall
        self._process_slots = threading.BoundedSemaphore(per_process)
        self._light = threading.BoundedSemaphore(LIGHT_SLOTS)
        self._heavy_until: OrderedDict[str, float] = OrderedDict()
        self._in_light: set[str] = set()  # clients with a query in the light lane now
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)

    def is_heavy(self, client: str) -> bool:
        return self._heavy_until.get(client, 0.0) > time.monotonic()

    def mark_heavy(self, client: str) -> None:
        """`client` sent a query that needed more than the light lane's time."""
        self._heavy_until[client] = time.monotonic() + HEAVY_FOR_SECONDS
        self._heavy_until.move_to_end(client)
        while len(self._heavy_until) > MAX_HEAVY_CLIENTS:
            self._heavy_until.popitem(last=False)

    @contextmanager
    def slot(self, client: str, heavy: bool = False) -> Iterator[float | None]:
        """Hold the slots of one query while the block runs, giving the seconds it may take in
        the light lane (None in the heavy lane); raise `Busy` at once when one is missing."""
        bucket = int.from_bytes(hashlib.blake2b(client.encode(), digest_size=4).digest()) % CLIENT_BUCKETS
        with ExitStack() as held:
            self._hold(held, f"client-{bucket}", self.per_client, 429,
                       f"this client already runs {self.per_client} queries at once: wait for one to finish")
            if not (heavy or self.is_heavy(client)) and self._enter_light(client):
                held.callback(self._leave_light, client)
                yield LIGHT_SECONDS
                return
            if not self._process_slots.acquire(blocking=False):
                raise Busy(503, "the server runs as many long queries as it can at the moment")
            held.callback(self._process_slots.release)
            self._hold(held, "all", self.overall, 503, "the server runs as many long queries as it can at the moment")
            yield None

    def _enter_light(self, client: str) -> bool:
        with self._lock:
            if client in self._in_light:
                return False
            self._in_light.add(client)
        if self._light.acquire(timeout=LIGHT_WAIT_SECONDS):
            return True
        self._leave_light(client, release=False)
        return False

    def _leave_light(self, client: str, release: bool = True) -> None:
        with self._lock:
            self._in_light.discard(client)
        if release:
            self._light.release()

    def _hold(self, held: ExitStack, prefix: str, count: int, status: int, message: str) -> None:
        descriptor = _take_file_slot(self.folder, prefix, count)
        if descriptor is None:
            raise Busy(status, message)
        held.callback(os.close, descriptor)  # closing the descriptor releases its lock
