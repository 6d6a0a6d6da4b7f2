"""Real server processes on free loopback ports, stopped after use: `isoko serve`, and the
triplestores a remote backend runs on (Apache Jena Fuseki, `oxigraph serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from isoko.config import ROOT, Config

ISOKO = Path(sys.executable).with_name("isoko")
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
FUSEKI = ROOT / "deploy" / "fuseki" / "run"
STORES = ("fuseki", "oxigraph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(command: list[str], ready_url: str, what: str, timeout: float,
             env: dict | None = None) -> Iterator[subprocess.Popen]:
    """Start command (its output to a temporary file, which cannot fill up and block it), wait
    until ready_url answers anything over HTTP, and stop it afterwards. Fails with its output."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)

        def fail(reason: str) -> None:
            output.seek(0)
            text = output.read().decode(errors="replace")[-6000:]
            raise RuntimeError(f"{what} {reason}: {' '.join(command)}\n{text}") from None

        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(ready_url, timeout=2).close()
                    break
                except urllib.error.HTTPError:  # it answers, if only to refuse
                    break
                except OSError:
                    if process.poll() is not None:
                        fail(f"exited with {process.returncode}")
                    if time.monotonic() > deadline:
                        fail(f"did not answer within {timeout:g} s")
                    time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_server(config: Config, workers: int = 1, threads: int = 2,
                   settings: dict[str, str] | None = None) -> Iterator[str]:
    """`isoko serve` over config's build, or over its remote store when config.store_url is set;
    `settings`: more ISOKO_* environment variables."""
    port = free_port()
    env = {**os.environ, "ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir),
           "ISOKO_BASE_IRI": config.base_iri, **(settings or {})}
    env.pop("ISOKO_STORE", None)
    if config.store_url:
        env["ISOKO_STORE"] = config.store_url
    url = f"http://127.0.0.1:{port}"
    command = [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--threads", str(threads)]
    with _process(command, url + "/sparql?query=ASK%7B%7D", "isoko serve", 30, env):
        yield url


@contextmanager
def running_store(backend: str, folder: Path | None = None, fuseki_args: list[str] | None = None
                  ) -> Iterator[str]:
    """A real triplestore on a free loopback port, yielding the store spec for ISOKO_STORE and
    `isoko publish --to`. fuseki: TDB2 in folder (in memory without one), dataset /isoko, or
    `fuseki_args` instead (e.g. ["--config", FILE, "--", "--passwd=…"]); oxigraph: `oxigraph
    serve`, on disk in folder (in memory without one). A missing Java or Maven fails here, loudly."""
    port = free_port()
    if backend == "fuseki":
        where = fuseki_args or (["--loc", str(folder)] if folder else ["--mem"])
        command = ["bash", str(FUSEKI), "--port", str(port), *where]
        spec = f"http://127.0.0.1:{port}/isoko"
        ready, timeout = spec + "?query=ASK%7B%7D", 180  # the first run may resolve Fuseki with mvn
    elif backend == "oxigraph":
        if not OXIGRAPH.exists():
            raise RuntimeError(f"{OXIGRAPH} is missing: `make test` installs it (test extra, PyPI oxigraph)")
        command = [str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"]
        if folder:
            command += ["--location", str(folder)]
        base = f"http://127.0.0.1:{port}/"
        spec = f"{base} query=query update=update data=store"
        ready, timeout = base + "query?query=ASK%7B%7D", 30
    else:
        raise ValueError(f"unknown store backend {backend!r}; one of {STORES}")
    with _process(command, ready, backend, timeout):
        yield spec


def publish_to(config: Config, spec: str) -> str:
    """`isoko publish --to spec` of config's current build, as a command; its output."""
    env = {**os.environ, "ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir),
           "ISOKO_BASE_IRI": config.base_iri}
    env.pop("ISOKO_STORE", None)
    done = subprocess.run([str(ISOKO), "publish", "--to", spec], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"isoko publish --to {spec} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout
