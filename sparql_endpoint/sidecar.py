"""One `oxigraph serve-read-only` process over a build's store: the engine behind /sparql.

pyoxigraph cannot cancel a query; the `oxigraph` server (PyPI package `oxigraph`, the same version
as pyoxigraph, so it reads the same on-disk format) can, with `--timeout-s`, and it runs every
request on its own thread. So each process serving /sparql starts one such sidecar per served
build on a free loopback port, lazily, and stops it when it is no longer needed (executor.py).

The sidecar never outlives its owner: it is killed when its `Sidecar` is garbage-collected or at
the latest on a normal exit (weakref.finalize), and on Linux the kernel sends it SIGKILL when the
owner dies in any other way, SIGKILL included (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import collections
import ctypes
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .store import StoreUnavailable

log = logging.getLogger(__name__)
START_SECONDS = 30.0  # opening a large store read-only takes well under a second; this is generous
PORT_TRIES = 5
_LISTENING = "Listening for requests at"
_PORT_TAKEN = ("Address already in use", "os error 98")
# glibc gives each of oxigraph's request threads a malloc arena of its own: after the benchmark mix
# at 1M triples the server held 216 MB, 102 MB with two arenas, for the same CPU time per query.
_MALLOC = {"MALLOC_ARENA_MAX": "2"}
_PR_SET_PDEATHSIG = 1
# Query evaluation runs at a lower CPU priority than the serving processes, so that pages and
# cheap lookups keep the CPU while heavy queries run (benchmarks/README.md, the attack run).
NICE = 10
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
# PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process. Request
# threads may come and go, so every sidecar is forked by this one thread, which lives as long as
# the process does (an executor's thread waits for work until the interpreter shuts down).
_LAUNCHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oxigraph-launcher")


def oxigraph_binary() -> str:
    """The `oxigraph` command next to this Python (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise StoreUnavailable(f"the `oxigraph` command is missing (looked in {beside.parent} and on PATH): "
                               "install the project's dependencies (PyPI package oxigraph, as pyoxigraph)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent(parent: int) -> None:
    """Run in the child between fork and exec: ask the kernel for SIGKILL when the parent dies,
    so a SIGKILLed gunicorn worker (which runs no atexit hook) leaves no orphan behind (the
    parent may already be gone by then, hence the check); then lower the child's priority."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    os.nice(NICE)


class Sidecar:
    """`oxigraph serve-read-only` over one store, (re)started on demand by `ensure`."""

    def __init__(self, store_path: str, timeout: float):
        self.store_path, self.timeout = store_path, timeout
        self.process: subprocess.Popen | None = None
        self.port = 0
        self._stop: weakref.finalize | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure(self) -> int:
        """The port of a running sidecar, starting one if there is none (or it died)."""
        with self._lock:
            if not self.running():
                self._start()
            return self.port

    def _start(self) -> None:
        for _ in range(PORT_TRIES):
            port = _free_port()  # free now; another process may take it first: then try another
            ready, output = threading.Event(), collections.deque(maxlen=40)
            process = _LAUNCHER.submit(self._spawn, port).result()
            threading.Thread(target=_read_output, args=(process, ready, output), daemon=True,
                             name=f"oxigraph-{port}-output").start()
            ready.wait(START_SECONDS)
            if any(line.startswith(_LISTENING) for line in output) and process.poll() is None:
                self.process, self.port = process, port
                self._stop = weakref.finalize(self, _kill_process, process)  # also runs at exit
                log.info("oxigraph sidecar %d on port %d serves %s", process.pid, port, self.store_path)
                return
            _kill_process(process)
            text = "\n".join(output)
            if not any(sign in text for sign in _PORT_TAKEN):
                log.error("oxigraph sidecar for %s did not start (exit %s):\n%s",
                          self.store_path, process.returncode, text)
                raise StoreUnavailable(f"the query engine (oxigraph serve-read-only) did not start over "
                                       f"{self.store_path}: {text.strip()[-500:] or 'no output'}")
        raise StoreUnavailable(f"the query engine found no free port in {PORT_TRIES} tries")

    def _spawn(self, port: int) -> subprocess.Popen:
        command = [oxigraph_binary(), "serve-read-only", "--location", self.store_path,
                   "--bind", f"127.0.0.1:{port}", "--union-default-graph",
                   "--timeout-s", str(max(1, math.ceil(self.timeout)))]
        parent = os.getpid()
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                env={**_MALLOC, **os.environ},
                                stderr=subprocess.STDOUT, preexec_fn=lambda: _die_with_parent(parent))

    def kill(self, port: int | None = None) -> None:
        """Stop the sidecar (only if it still listens on `port`, when given)."""
        with self._lock:
            if self.process is None or (port is not None and port != self.port):
                return
            self.process, stop, self._stop = None, self._stop, None
        stop()


def _read_output(process: subprocess.Popen, ready: threading.Event, output: collections.deque) -> None:
    """Collect the server's first lines until it says it listens (or exits), then log what it says."""
    for raw in process.stdout:
        line = raw.decode("utf-8", "replace").rstrip()
        if not ready.is_set():
            output.append(line)
            if line.startswith(_LISTENING):
                ready.set()
        else:
            log.warning("oxigraph sidecar %d: %s", process.pid, line)
    process.stdout.close()
    ready.set()  # it exited: the starter looks at why


def _kill_process(process: subprocess.Popen) -> None:
    """SIGKILL now; reap it in the background: a sidecar that holds gigabytes of an abandoned
    query may take seconds to die, and the request thread that stops it must not wait for that."""
    process.kill()
    threading.Thread(target=process.wait, daemon=True, name=f"oxigraph-{process.pid}-reaper").start()
