"""Start the real `isoko serve` as a subprocess on a free loopback port, and stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from isoko.config import Config

ISOKO = Path(sys.executable).with_name("isoko")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(config: Config, workers: int = 1) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir),
           "ISOKO_BASE_IRI": config.base_iri}
    process = subprocess.Popen(
        [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--threads", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"server did not start:\n{output}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
