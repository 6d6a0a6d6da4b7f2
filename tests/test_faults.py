"""Faults: builds killed at any point never hurt what is served; readers never see an error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from isoko.config import ROOT, Config
from loaders.build import build, current_build
from sparql_endpoint.current import CurrentBuild
from tests.server import running_server

ISOKO = Path(sys.executable).with_name("isoko")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://purl.org/vocab/cpsv#PublicService> }"


def procedures(config: Config) -> int:
    return int(CurrentBuild(config).get().store.select(COUNT)[0]["n"].value)


def run_build(config: Config) -> subprocess.Popen:
    env = {**os.environ, "ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir)}
    return subprocess.Popen([str(ISOKO), "build"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def real(tmp_path) -> Config:
    """A copy of the real catalogue (large enough for a build to take a few seconds)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Config.from_env(data_dir=tmp_path / "data", var_dir=tmp_path / "var")


def test_sigkill_at_many_points_of_a_build(real):
    build(real)
    count = procedures(real)
    started = time.perf_counter()
    assert run_build(real).wait() == 0
    duration = time.perf_counter() - started
    extra = real.data_dir / "procedure" / "driving-licence.yaml"
    copy = real.data_dir / "procedure" / "driving-licence-copy.yaml"
    shutil.copy(extra, copy)
    for point in range(6):
        process = run_build(real)
        time.sleep(duration * (point + 0.5) / 6)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = current_build(real)
        assert now is not None and (now / "build.json").is_file() and (now / "store").is_dir()
        assert procedures(real) in (count, count + 1)
        json.loads((now / "build.json").read_text())
    info = build(real)  # the next build needs no manual cleanup
    assert info.procedures == count + 1 and procedures(real) == count + 1
    assert not list(real.builds_dir.glob(".tmp-*")) and not list(real.var_dir.glob(".current-*"))


def test_readers_see_old_or_new_catalogue_never_an_error(config):
    build(config)
    new_file = config.data_dir / "procedure" / "copy.yaml"
    results: list[tuple[str, int, str]] = []
    stop = threading.Event()
    with running_server(config, workers=2, settings={"ISOKO_SPARQL_RATE": "100000 per second", "ISOKO_SPARQL_PER_CLIENT": "8"}) as url:
        def reader():
            query = urllib.parse.urlencode({"query": COUNT, "format": "csv"})
            while not stop.is_set():
                for path in ("/sparql?" + query, "/", "/id/procedure/passport", "/procedures"):
                    try:
                        with urllib.request.urlopen(url + path, timeout=10) as response:
                            results.append((path, response.status, response.read().decode()))
                    except Exception as err:  # noqa: BLE001 - every failure is a test failure
                        results.append((path, getattr(err, "code", 0), str(err)))
        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        for round_ in range(6):
            if round_ % 2 == 0:
                shutil.copy(config.data_dir / "procedure" / "passport.yaml", new_file)
            else:
                new_file.unlink()
            build(config)
        stop.set()
        for thread in threads:
            thread.join()
    assert len(results) > 50
    failures = [r for r in results if r[1] != 200]
    assert failures == []
    counts = {r[2].splitlines()[1] for r in results if r[0].startswith("/sparql")}
    assert counts <= {"2", "3"} and counts
