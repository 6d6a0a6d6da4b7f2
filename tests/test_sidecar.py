"""The oxigraph sidecar behind /sparql (sparql_endpoint/sidecar.py, executor.py): timeouts, restarts,
one sidecar per served build, no process left behind, even when its owner is SIGKILLed."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from isoko.app import create_app
from loaders.build import build
from sparql_endpoint import executor as executor_module
from sparql_endpoint import sidecar as sidecar_module
from sparql_endpoint.store import StoreUnavailable
from tests.server import running_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def children(pid: int, word: bytes = b"oxigraph") -> list[int]:
    """The processes whose parent is pid and whose command line has word in it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and word in command:
                found.append(int(entry.name))
    return found


def gone(pid: int, within: float = 5.0) -> bool:
    """True once pid has exited (reaped, or a zombie waiting for its new parent)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def app(built):
    # these tests watch the engine answer repeated queries: none may come from the result cache
    app = create_app(replace(built, query_timeout=1.0, result_limit=100, result_cache_mb=0))
    yield app
    app.extensions.get("isoko.executor") and app.extensions["isoko.executor"].close()


def sidecars(app) -> list[int]:
    """pids of the running sidecars of app's executor."""
    leases = app.extensions["isoko.executor"]._leases.values()
    return [lease.store.sidecar.process.pid for lease in leases if lease.store.sidecar.running()]


def ask_count(client) -> int:
    response = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert response.status_code == 200, response.data
    return int(response.data.decode().splitlines()[1])


def test_slow_query_gets_503_within_about_the_timeout(app):
    client = app.test_client()
    ask_count(client)  # the sidecar is up: what follows times the query, not the start
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": HEAVY})
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and b"Query timeout" in response.data
    assert 0.9 < elapsed < 1.0 + executor_module.GRACE_SECONDS + 1.0, elapsed
    assert ask_count(client) == 2  # its own timeout stopped it: the same sidecar goes on


def test_query_its_timeout_misses_is_killed_with_its_sidecar(app, monkeypatch):
    # Stand-in for a query oxigraph's --timeout-s does not reach: stop waiting before it fires.
    monkeypatch.setattr(executor_module, "GRACE_SECONDS", -0.6)
    client = app.test_client()
    ask_count(client)
    [pid] = sidecars(app)
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": HEAVY})
    assert response.status_code == 503 and b"Query timeout" in response.data
    assert time.monotonic() - started < 1.0
    assert gone(pid) and sidecars(app) == []  # killed, not left computing
    monkeypatch.setattr(executor_module, "GRACE_SECONDS", 2.0)
    assert ask_count(client) == 2 and len(sidecars(app)) == 1


def test_query_retried_on_a_fresh_sidecar_keeps_its_first_deadline(app, monkeypatch):
    # Another thread's query got this sidecar killed while ours ran: ours is retried on a new one,
    # with what is left of its time, not a fresh timeout (the watchdog's bound counts on one).
    monkeypatch.setattr(executor_module, "GRACE_SECONDS", 0.0)
    store = executor_module.SidecarStore(sidecar_module.Sidecar(app.extensions["isoko.current"].get().store.path, 3.0))
    try:
        store.sidecar.ensure()
        killer = threading.Timer(2.0, store.sidecar.kill)
        killer.start()
        started = time.monotonic()
        with pytest.raises(executor_module.QueryTimeout):
            store.run(HEAVY).serialize("application/sparql-results+json")
        elapsed = time.monotonic() - started
        killer.join()
        # retried with a fresh timeout it would have ended after 2 s + a start + 3 s
        assert 2.0 < elapsed < 4.0, elapsed
    finally:
        store.sidecar.kill()


def test_malformed_query_gives_the_parser_message(app):
    response = app.test_client().get("/sparql", query_string={"query": "SELEC nothing"})
    assert response.status_code == 400
    assert response.data.startswith(b"Malformed query: ") and b"1:" in response.data


def test_error_while_streaming_is_not_taken_for_results(app):
    # oxigraph has sent 200 and the head of the results when the SERVICE call fails (no network:
    # it refuses port 1 before connecting); the body it ends with its message must not pass as
    # results. /sparql refuses SERVICE before the store sees it, so the sidecar is asked directly.
    store = executor_module.SidecarStore(sidecar_module.Sidecar(app.extensions["isoko.current"].get().store.path, 5.0))
    try:
        query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/query> { ?s ?p ?o } }"
        with pytest.raises(RuntimeError, match="port 1 is not allowed"):
            store.run(query).serialize("application/sparql-results+json")
    finally:
        store.sidecar.kill()


def test_killed_sidecar_is_restarted_by_the_next_request(app):
    client = app.test_client()
    ask_count(client)
    [pid] = sidecars(app)
    os.kill(pid, signal.SIGKILL)
    assert gone(pid)
    assert ask_count(client) == 2
    [new] = sidecars(app)
    assert new != pid


def test_build_switch_starts_a_new_sidecar_and_stops_the_old(app, built):
    client = app.test_client()
    ask_count(client)
    [old] = sidecars(app)
    source = built.data_dir / "procedure" / "passport.yaml"
    (built.data_dir / "procedure" / "passport-copy.yaml").write_text(source.read_text())
    build(built)
    assert ask_count(client) == 3
    [new] = sidecars(app)
    assert new != old and gone(old)
    assert children(os.getpid(), str(built.var_dir).encode()) == [new]


def test_sidecar_stops_with_its_app(built):
    app = create_app(built)
    assert app.test_client().get("/sparql", query_string={"query": COUNT}).status_code == 200
    [pid] = sidecars(app)
    del app
    gc.collect()
    assert gone(pid)


def test_port_taken_by_another_process_is_skipped(built, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1]])
        real = sidecar_module._free_port
        monkeypatch.setattr(sidecar_module, "_free_port", lambda: next(ports, None) or real())
        sidecar = sidecar_module.Sidecar(str(built.current_link / "store"), 1.0)
        try:
            assert sidecar.ensure() != taken.getsockname()[1] and sidecar.running()
        finally:
            sidecar.kill()


def test_missing_oxigraph_is_a_clear_503(app, monkeypatch):
    monkeypatch.setattr(sidecar_module.sys, "executable", "/nonexistent/bin/python")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(StoreUnavailable, match="`oxigraph` command is missing"):
        sidecar_module.oxigraph_binary()
    assert app.test_client().get("/sparql", query_string={"query": COUNT}).status_code == 503


def test_no_orphan_sidecar_when_its_worker_is_sigkilled(built):
    with running_server(built, workers=1) as url:
        query = url + "/sparql?" + urllib.parse.urlencode({"query": COUNT, "format": "csv"})
        urllib.request.urlopen(query, timeout=30).read()
        port = url.rsplit(":", 1)[1]  # other tests' servers may be children of this process too
        [master] = children(os.getpid(), f"--port\0{port}\0".encode())
        [worker] = [pid for pid in children(master, b"isoko") if children(pid)]
        [sidecar] = children(worker)
        os.kill(worker, signal.SIGKILL)
        assert gone(sidecar), "the sidecar outlived its SIGKILLed worker"
        deadline = time.monotonic() + 30  # gunicorn replaces the worker, which starts its own sidecar
        while True:
            try:
                assert urllib.request.urlopen(query, timeout=30).read().decode().splitlines()[1] == "2"
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def test_no_orphan_sidecar_when_a_plain_owner_is_sigkilled(built):
    script = ("import sys; from isoko.app import create_app; from isoko.config import Config;"
              "app = create_app(Config.from_env());"
              "client = app.test_client(); assert client.get('/sparql?query=ASK%7B%7D').status_code == 200;"
              "print('up', flush=True); sys.stdin.read()")
    env = {**os.environ, "ISOKO_DATA": str(built.data_dir), "ISOKO_VAR": str(built.var_dir)}
    owner = subprocess.Popen([sys.executable, "-c", script], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "up"
        [sidecar] = children(owner.pid)
    finally:
        owner.kill()
        owner.wait()
    assert gone(sidecar), "the sidecar outlived its SIGKILLed owner"

