"""The endpoint under attack (issue 13): heavy queries from one client while others browse.

    .venv/bin/python benchmarks/attack.py          # part of `make bench`; `make bench-attack` alone

Builds the real catalogue (data/) into BENCH_DIR/attack, serves it with `isoko serve` (its
defaults: 2 workers x 2 threads), measures the cheap traffic alone for ATTACK_BASELINE_S, then
for ATTACK_SECONDS (60) runs at once:
- 16 hostile connections from one address (127.0.0.2) sending the heaviest queries they can
  (cross products, ordered cross products, regex over all literal pairs, full scans, path
  closures) back to back, never honouring Retry-After;
- 16 browsing clients, each from its own address (127.0.1.N), sending pages (home, lists, entity
  pages, search) and cheap SPARQL lookups (one entity's triples, ASK), one after the other with
  ATTACK_THINK_MS (50) between two.
Reports p50/p99 of the cheap traffic and its errors (anything but 200/304, or no answer within
30 s), the heavy traffic's status codes, the server tree's CPU and memory, and whether any of its
processes is still busy 15 s after the clients stopped. Writes benchmarks/results/attack-<date>.json.
Targets (reported, never asserted): cheap p99 <= 200 ms, 0 errors, nothing left busy.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import ISOKO, RESULTS, ROOT, WORK, free_port, log, server, tree_memory_mb  # noqa: E402

SECONDS = float(os.environ.get("ATTACK_SECONDS", 60))
BASELINE_SECONDS = float(os.environ.get("ATTACK_BASELINE_S", 15))
CLIENTS = 16
# A browsing client reads what it gets: a pause between its requests (hostile clients have none).
THINK_SECONDS = float(os.environ.get("ATTACK_THINK_MS", 50)) / 1000
BASE = "https://data.isoko.bi/"
HEAVY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(?c) ?f",
    'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(CONCAT(STR(?c), STR(?f)), "^(a|aa)+(b|bb)*$", "i")) }',
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?o",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x:p>|!<urn:x:p>)* ?b }",
]
TARGETS = {"cheap_p99_ms": 200.0, "cheap_errors": 0}


def procedure_slugs() -> list[str]:
    return sorted(p.stem for p in (ROOT / "data" / "procedure").glob("*.yaml"))


def cheap_requests(slugs: list[str]) -> list[tuple[str, str, str | None]]:
    """(method, path, SPARQL query or None) of the browsing clients."""
    pages = ["/", "/procedures", "/institutions", "/search?q=passeport", "/search?q=naissance"]
    pages += [f"/id/procedure/{slug}" for slug in slugs[:30]]
    lookups = [f"SELECT ?p ?o WHERE {{ <{BASE}id/procedure/{slug}> ?p ?o }}" for slug in slugs[:30]] + ["ASK {}"]
    return [("GET", path, None) for path in pages] + [("POST", "/sparql", query) for query in lookups]


def _send(connection: http.client.HTTPConnection, method: str, path: str, query: str | None) -> int:
    if query is None:
        connection.request(method, path, headers={"Accept-Encoding": "gzip"})
    else:
        connection.request(method, path, query.encode(), {"Content-Type": "application/sparql-query",
                                                          "Accept": "application/sparql-results+json"})
    response = connection.getresponse()
    response.read()
    return response.status


def client(url: str, source: str, requests: list, until: float, seed: int, results, think: float) -> None:
    """One client's loop on one keep-alive connection (reopened after errors): (status, seconds)."""
    parts = urllib.parse.urlsplit(url)
    chooser, seen = random.Random(seed), []
    connection = None
    while time.time() < until:
        method, path, query = chooser.choice(requests)
        started = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30,
                                                        source_address=(source, 0))
            status = _send(connection, method, path, query)
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = None
        seen.append((status, time.monotonic() - started))
        time.sleep(think)
    results.put(seen)


def group(url: str, sources: list[str], requests: list, until: float, results, think: float = 0.0) -> list:
    processes = [multiprocessing.Process(target=client, args=(url, source, requests, until, i, results, think))
                 for i, source in enumerate(sources)]
    for process in processes:
        process.start()
    return processes


def collect(results, count: int) -> list[tuple[int, float]]:
    found = []
    for _ in range(count):
        found += results.get()
    return found


def summary(samples: list[tuple[int, float]], seconds: float) -> dict:
    latencies = sorted(s for _, s in samples)
    statuses: dict[str, int] = {}
    for status, _ in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    def percentile(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1) if latencies else None

    errors = sum(n for status, n in statuses.items() if status not in ("200", "304"))
    return {"requests": len(samples), "per_s": round(len(samples) / seconds, 1), "p50_ms": percentile(0.5),
            "p99_ms": percentile(0.99), "max_ms": percentile(1.0), "errors": errors, "statuses": statuses}


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its descendants (reaped children included)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def main() -> None:
    folder = WORK / "attack"
    env = {**os.environ, "ISOKO_VAR": str(folder / "var"), "ISOKO_BASE_IRI": BASE}
    env.pop("ISOKO_STORE", None)
    log("attack: building the real catalogue")
    subprocess.run([str(ISOKO), "build"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port)]
    cheap = cheap_requests(procedure_slugs())
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "seconds": SECONDS,
              "clients": {"heavy": f"{CLIENTS} connections from 127.0.0.2", "cheap": f"{CLIENTS}, 127.0.1.1-16"},
              "targets": TARGETS, "load_before": [round(x, 1) for x in os.getloadavg()]}
    with server(command, url + "/sparql?query=ASK%7B%7D", "isoko serve", 60, env, folder / "serve.log") as process:
        results = multiprocessing.Queue()
        sources = [f"127.0.1.{i + 1}" for i in range(CLIENTS)]
        log(f"attack: cheap traffic alone for {BASELINE_SECONDS:g} s")
        started = time.time()
        processes = group(url, sources, cheap, started + BASELINE_SECONDS, results, THINK_SECONDS)
        report["cheap_alone"] = summary(collect(results, CLIENTS), BASELINE_SECONDS)
        for p in processes:
            p.join()
        log(f"attack: {CLIENTS} heavy + {CLIENTS} cheap clients for {SECONDS:g} s")
        cpu_before, started = cpu_seconds(process.pid), time.time()
        heavy, heavy_results = [("POST", "/sparql", q) for q in HEAVY], multiprocessing.Queue()
        processes = group(url, ["127.0.0.2"] * CLIENTS, heavy, started + SECONDS, heavy_results)
        processes += group(url, sources, cheap, started + SECONDS, results, THINK_SECONDS)
        time.sleep(SECONDS * 0.9)
        report["memory_during"] = tree_memory_mb(process.pid)
        heavy_samples, cheap_samples = collect(heavy_results, CLIENTS), collect(results, CLIENTS)
        for p in processes:
            p.join()
        wall = time.time() - started
        report["cpu_during"] = {"seconds": round(cpu_seconds(process.pid) - cpu_before, 1),
                                "cores_busy": round((cpu_seconds(process.pid) - cpu_before) / wall, 2)}
        report["heavy"] = summary(heavy_samples, wall)
        report["cheap_under_attack"] = summary(cheap_samples, wall)
        time.sleep(15)
        idle_before = cpu_seconds(process.pid)
        time.sleep(3)
        report["after"] = {"cpu_seconds_in_3s": round(cpu_seconds(process.pid) - idle_before, 2),
                           "memory": tree_memory_mb(process.pid)}
    report["after"]["left_busy"] = report["after"]["cpu_seconds_in_3s"] > 0.3
    under = report["cheap_under_attack"]
    report["met"] = {"cheap_p99_ms": under["p99_ms"] is not None and under["p99_ms"] <= TARGETS["cheap_p99_ms"],
                     "cheap_errors": under["errors"] == 0, "nothing_left_busy": not report["after"]["left_busy"]}
    report["load_after"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"attack-{report['date'][:10]}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
