"""`make bench-pages`: cold pages, cached pages, memory, and what a one-procedure publish leaves
in the page cache (issue 19, targets 3 and 5).

    .venv/bin/python benchmarks/pages.py                        # BENCH_PAGES_SIZE=1M
    BENCH_DIR=/tmp/b BENCH_PAGES_SIZE=100k .venv/bin/python benchmarks/pages.py

On the synthetic catalogue of that size (benchmarks/generate.py, seed 1, built once into
BENCH_DIR/<size>/var and reused when there): `isoko serve` (2 workers x 2 threads) with the page
cache off, procedure and entity (institution) pages under 16 clients (wrk, 100 URLs each, after a
warm-up run): the cold figures. Then `isoko serve` as it runs by default: entity and search pages
(cached), the PSS of the serving processes. Then a publish: one procedure's fee changes in the
sources, `isoko build` switches the served build, and each of the 300 URLs is asked once more: the
share answered from the cache (X-Isoko-Cache: hit) is the hit rate after a publish. Figures are
reported next to their targets (and the largest page of each kind, uncompressed: 30 KB), never
asserted; results go to benchmarks/results/pages-<date>.json.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import (ISOKO, PAGE_DURATION, PAGE_WARMUP, RESULTS, WORK, bench_build, counts,  # noqa: E402
                            isoko_env, isoko_server, log, lua_script, page_paths, tree_cpu_seconds,
                            tree_memory_mb, wrk)
from benchmarks.generate import parse_size  # noqa: E402

SIZE = os.environ.get("BENCH_PAGES_SIZE", "1M")
TARGETS = {  # p99 in ms under 16 clients, PSS in MB (issue 19: 3. cold pages; 5. keep)
    ("procedure", "cold"): 100.0, ("entity", "cold"): 40.0,
    ("entity", "cached"): 20.0, ("search", "cached"): 20.0, "pss_mb": 500.0,
}


def measure(url: str, pid: int, page: str, paths: list[str], mode: str) -> dict:
    """wrk over `paths` after a warm-up run (none in mode "first"), with the server's CPU per
    request: unlike latency, it hardly depends on what else the machine runs."""
    script = lua_script(WORK / f"pages-{page}-{mode}.lua", [("GET", p, None) for p in paths])
    if mode != "first":
        wrk(url + "/", script, PAGE_WARMUP)
    cpu = tree_cpu_seconds(pid)
    load = os.getloadavg()[0]
    result = wrk(url + "/", script, PAGE_DURATION)
    cpu = tree_cpu_seconds(pid) - cpu
    target = TARGETS.get((page, "cold" if mode == "first" else mode))
    result.update(page=page, mode=mode, target_p99_ms=target, load_average=round(load, 1),
                  server_cpu_ms_per_request=round(1000 * cpu / result["requests"], 2) if result["requests"] else None,
                  met=None if target is None or "p99_ms" not in result else result["p99_ms"] <= target)
    result["command"] += (f" ({len(paths)} URLs never asked before: each request renders a page for the first "
                          "time in its process, labels and prerequisite chains not yet kept)" if mode == "first"
                          else f" (after a {PAGE_WARMUP} warm-up run of the same script)")
    log(f"{page} ({mode}): p50 {result.get('p50_ms')} ms, p99 {result.get('p99_ms')} ms "
        f"({result['requests_per_s']} req/s, server CPU {result['server_cpu_ms_per_request']} ms a request, "
        f"load {load:.1f}), target p99 <= {target} ms")
    return result


def cache_states(url: str, paths: list[str]) -> list[tuple[str, int]]:
    """X-Isoko-Cache and uncompressed size of each URL asked once with wrk's headers (so under the
    key wrk's requests were kept under), a new connection each: either worker may answer."""
    states = []
    for path in paths:
        connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=60)
        try:
            connection.putrequest("GET", path, skip_accept_encoding=True)
            connection.putheader("Accept", "text/html")
            connection.endheaders()
            answer = connection.getresponse()
            states.append((answer.headers.get("X-Isoko-Cache", ""), len(answer.read())))
        finally:
            connection.close()
    return states


def publish_one_procedure(data: Path, slug: str) -> float:
    """Change the fee of one procedure in the sources and build: returns the build's wall seconds."""
    source = data / "procedure" / f"{slug}.yaml"
    text, changed = re.subn(r"^(\s*-?\s*amount:\s*)(\d+)", lambda m: f"{m[1]}{int(m[2]) + 1}",
                            source.read_text(encoding="utf-8"), count=1, flags=re.M)
    if not changed:
        raise RuntimeError(f"{source} has no fee to change")
    source.write_text(text, encoding="utf-8")
    started = time.monotonic()
    subprocess.run([str(ISOKO), "build"], env=isoko_env(SIZE), check=True, capture_output=True)
    return round(time.monotonic() - started, 1)


def after_publish(url: str, paths: dict[str, list[str]], data: Path) -> dict:
    """The largest page of each kind, then a publish of one procedure: the share of the URLs
    answered from the cache before and after it."""
    kinds = ("procedure", "entity", "search")
    every = [p for page in kinds for p in paths[page]]
    before = cache_states(url, every)
    largest = {page: round(max(size for (_, size), p in zip(before, every) if p in paths[page]) / 1024, 1)
               for page in kinds}
    log(f"largest page (uncompressed, KB; target 30): {largest}")
    slug = paths["procedure"][0].rsplit("/", 1)[-1]
    seconds = publish_one_procedure(data, slug)
    after = [state for state, _ in cache_states(url, every)]
    by_kind = {page: round(sum(s == "hit" for s, p in zip(after, every) if p in paths[page]) / len(paths[page]), 3)
               for page in kinds}
    publish = {"procedure": slug, "build_s": seconds,
               "hit_rate_before": round([s for s, _ in before].count("hit") / len(before), 3),
               "hit_rate_after": round(after.count("hit") / len(after), 3), "hit_rate_after_by_kind": by_kind,
               "command": f"the fee of {slug} changed, `isoko build`, then each of the {len(every)} URLs asked "
                          "once (X-Isoko-Cache)"}
    log(f"publish of {slug}: hit rate {publish['hit_rate_before']} before, {publish['hit_rate_after']} after "
        f"({by_kind})")
    return {"largest_page_kb": largest, "publish": publish}


def main() -> None:
    folder = WORK / SIZE
    if not (folder / "var" / "current" / "build.json").is_file():
        bench_build(SIZE, parse_size(SIZE))
    procedures, institutions = counts(folder / "data")
    paths = page_paths(procedures, institutions)
    report: dict = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "size": SIZE,
                    "load_average_before": [round(x, 1) for x in os.getloadavg()], "runs": []}
    with isoko_server(SIZE, ISOKO_PAGE_CACHE_MB="0") as (url, process):
        for page in ("procedure", "entity"):
            report["runs"].append(measure(url, process.pid, page, paths[page], "cold"))
    # "cold" warms what a worker keeps per build (labels, prerequisite chains) on the same 100 URLs;
    # right after a publish nothing is kept: every procedure, from two random offsets (wrk's threads),
    # many more than the run can ask
    first = page_paths(procedures, institutions, procedures)["procedure"]
    with isoko_server(SIZE, ISOKO_PAGE_CACHE_MB="0") as (url, process):
        report["runs"].append(measure(url, process.pid, "procedure", first, "first"))
    with isoko_server(SIZE) as (url, process):
        for page in ("entity", "search", "procedure"):
            report["runs"].append(measure(url, process.pid, page, paths[page], "cached"))
        memory = tree_memory_mb(process.pid)
        report["memory"] = {**memory, "target_pss_mb": TARGETS["pss_mb"], "met": memory["pss_mb"] <= TARGETS["pss_mb"]}
        log(f"memory: PSS {memory['pss_mb']} MB, RSS {memory['rss_mb']} MB over {memory['processes']} processes")
        report.update(after_publish(url, paths, folder / "data"))
    report["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"pages-{report['started'][:10]}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log(f"written {out}")


if __name__ == "__main__":
    main()
