"""What the change history costs (issue 15): build time with and without versioning, feed pages.

    .venv/bin/python benchmarks/history.py      # part of `make bench`; HISTORY_SIZE=100k for a quick run

On the synthetic catalogue of HISTORY_SIZE triples (benchmarks/generate.py, seed 1; 1M by default,
reused from BENCH_DIR/<size>/data when `make bench` made it), into fresh var/ folders:
- `isoko build` twice with ISOKO_HISTORY=0 and twice with versioning (the first build records a
  version of every entity, the second, of unchanged sources, none), then once more after one
  procedure's fee changed: wall and CPU seconds (/usr/bin/time), stages, peak RSS;
- served with `isoko serve` defaults: change-stream pages, the Atom feed and, for comparison,
  entity pages, each over its URLs with wrk (16 connections, after a warm-up run of the same URLs).
Target (reported, never asserted): a build with versioning within 10 % of one without.
Writes benchmarks/results/history-<date>.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import generate, parse_size  # noqa: E402
from benchmarks.run import (BASE, ISOKO, PAGE_DURATION, PAGE_WARMUP, RESULTS, THREADS, WORK, WORKERS,  # noqa: E402
                            counts, free_port, log, lua_script, page_paths, server, wrk)

SIZE = os.environ.get("HISTORY_SIZE", "1M")
TARGET = 1.10


def timed_build(data: Path, var: Path, history: bool) -> dict:
    env = {**os.environ, "ISOKO_DATA": str(data), "ISOKO_VAR": str(var), "ISOKO_BASE_IRI": BASE,
           "ISOKO_HISTORY": "1" if history else "0"}
    env.pop("ISOKO_STORE", None)
    done = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M", str(ISOKO), "build"], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"isoko build failed:\n{done.stderr[-3000:]}")
    wall, user, system, rss = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", done.stderr).groups()
    info = json.loads((var / "current" / "build.json").read_text())
    return {"wall_s": float(wall), "cpu_s": round(float(user) + float(system), 1), "peak_rss_mb": round(int(rss) / 1024),
            "stages_s": info["seconds"], "history": info.get("history", {}),
            "command": f"ISOKO_HISTORY={int(history)} ISOKO_DATA={data} ISOKO_VAR={var} isoko build"}


def change_one_fee(data: Path) -> tuple[Path, str]:
    """Raise the first fee of the first procedure that has one: (its file, its text before)."""
    for path in sorted((data / "procedure").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"amount: (\d+)", text)
        if match:
            path.write_text(text.replace(match.group(0), f"amount: {int(match.group(1)) + 1000}", 1), encoding="utf-8")
            return path, text
    raise RuntimeError("no procedure with a fee in the generated catalogue")


def feed_pages(var: Path, data: Path) -> list[dict]:
    pages = json.loads((var / "current" / "build.json").read_text())["history"]["versions"] // 100
    procedures, institutions = counts(data)
    paths = {"change-stream page": [f"/feed/ldes/{(n * 7919) % max(pages, 1)}?format=jsonld" for n in range(100)],
             "Atom feed": ["/feed.atom?lang=" + lang for lang in ("fr", "en", "rn")],
             "entity page": page_paths(procedures, institutions)["entity"]}
    port = free_port()
    env = {**os.environ, "ISOKO_DATA": str(data), "ISOKO_VAR": str(var), "ISOKO_BASE_IRI": BASE}
    results = []
    command = [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", WORKERS, "--threads", THREADS]
    with server(command, f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", "isoko serve", 120, env,
                WORK / "history-serve.log"):
        url = f"http://127.0.0.1:{port}"
        for name, urls in paths.items():
            script = lua_script(WORK / "history-pages.lua", [("GET", p, None) for p in urls])
            wrk(url + "/", script, PAGE_WARMUP)
            result = wrk(url + "/", script, PAGE_DURATION)
            result.update(page=name, example=urls[0])
            result["command"] += f" (after a {PAGE_WARMUP} warm-up run of the same script)"
            log(f"history: {name} p50 {result.get('p50_ms')} ms p99 {result.get('p99_ms')} ms "
                f"({result['requests_per_s']} req/s, {result['non_2xx']} non-2xx)")
            results.append(result)
    return results


def main() -> None:
    data = WORK / SIZE / "data"
    if not (data / "procedure").is_dir():
        log(f"history: generating {SIZE}")
        generate(data, parse_size(SIZE), seed=1)
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "size": SIZE,
              "load_before": [round(x, 1) for x in os.getloadavg()], "builds": {}}
    for history in (False, True):
        var = WORK / f"history-{'on' if history else 'off'}"
        shutil.rmtree(var, ignore_errors=True)
        for run in ("first", "second"):
            result = timed_build(data, var, history)
            report["builds"][f"{'with' if history else 'without'} versioning, {run} build"] = result
            log(f"history: {SIZE} {'with' if history else 'without'} versioning, {run} build: {result['wall_s']} s wall, "
                f"{result['cpu_s']} s CPU, history stage {result['stages_s'].get('history')} s")
    changed, before = change_one_fee(data)
    try:
        result = timed_build(data, WORK / "history-on", True)
    finally:
        changed.write_text(before, encoding="utf-8")  # the generated catalogue as it was, for other benchmarks
    report["builds"][f"with versioning, after one fee changed ({changed.name})"] = result
    builds = report["builds"]
    for run in ("first", "second"):
        report[f"ratio_{run}"] = round(builds[f"with versioning, {run} build"]["wall_s"]
                                       / builds[f"without versioning, {run} build"]["wall_s"], 3)
    report["met"] = all(report[f"ratio_{run}"] <= TARGET for run in ("first", "second"))
    report["pages"] = feed_pages(WORK / "history-on", data)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"history-{datetime.now(timezone.utc):%Y-%m-%d}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "pages"}, indent=2))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
