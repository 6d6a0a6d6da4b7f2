"""Soak test (issue 9): mixed good and bad traffic against a real `isoko serve` for N minutes.

Records, per minute: requests, 5xx count (must stay 0), 4xx count (expected for bad requests),
latency p50/p99, and the resident memory of all server processes; fails if memory keeps growing.

    .venv/bin/python benchmarks/soak.py --minutes 10 --clients 8

Writes benchmarks/results/soak-<date>-<host>.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOOD = [
    "/", "/procedures", "/institutions", "/faq", "/glossary", "/places", "/catalog",
    "/id/procedure/ordinary-passport", "/id/procedure/driving-licence?lang=fr", "/id/institution/obr?lang=en",
    "/id/document/birth-certificate", "/id/procedure/national-identity-card.ttl", "/search?q=acte+de+naissance",
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?p WHERE { ?p a <http://purl.org/vocab/cpsv#PublicService> } LIMIT 20"}),
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", "format": "csv"}),
]
BAD = [
    "/sparql?query=SELECT", "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}),
    "/id/procedure/nothing", "/id/../../etc/passwd", "/dumps/..%2Fbuild.json", "/?lang=%00%ff",
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE {" + "{" * 300 + "}" * 300 + "}"}),
    "/search?q=" + urllib.parse.quote('"NEAR( * OR -'), "/id/procedure/" + "x" * 5000,
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_of_tree(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        pending.extend(children.get(current, []))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--bad-share", type=float, default=0.2)
    args = parser.parse_args()

    import subprocess
    work = Path(tempfile.mkdtemp(prefix="isoko-soak-"))
    env = {**os.environ, "ISOKO_VAR": str(work / "var"), "ISOKO_QUERY_TIMEOUT": "2"}
    isoko = str(ROOT / ".venv" / "bin" / "isoko")
    subprocess.run([isoko, "build"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([isoko, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.2)

    samples: list[tuple[float, float, int]] = []  # (time, latency, status)
    lock = threading.Lock()
    deadline = time.monotonic() + args.minutes * 60
    rng = random.Random(7)

    def client() -> None:
        local = random.Random(rng.random())
        while time.monotonic() < deadline:
            path = local.choice(BAD if local.random() < args.bad_share else GOOD)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as err:
                status = err.code
            except OSError:
                status = 0
            with lock:
                samples.append((time.monotonic(), time.perf_counter() - started, status))

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    memory: list[tuple[float, int]] = []
    while any(t.is_alive() for t in threads):
        memory.append((time.monotonic() - start, rss_of_tree(server.pid)))
        time.sleep(5)
    server.terminate()
    server.wait(10)
    shutil.rmtree(work, ignore_errors=True)

    minutes = []
    for minute in range(int(args.minutes + 0.999)):
        window = [s for s in samples if minute * 60 <= s[0] - start < (minute + 1) * 60]
        if not window:
            continue
        latencies = sorted(s[1] for s in window)
        rss = [m for t, m in memory if minute * 60 <= t < (minute + 1) * 60]
        minutes.append({"minute": minute + 1, "requests": len(window),
                        "errors_5xx": sum(1 for s in window if s[2] >= 500 and s[2] != 503),
                        "timeouts_503": sum(1 for s in window if s[2] == 503),
                        "client_errors_4xx": sum(1 for s in window if 400 <= s[2] < 500),
                        "connection_failures": sum(1 for s in window if s[2] == 0),
                        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
                        "rss_mb": round(max(rss) / 2**20, 1) if rss else None})
    half = [m for t, m in memory if t > args.minutes * 30]
    growth = (half[-1] - half[0]) / 2**20 if len(half) > 1 else 0.0
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "host": socket.gethostname(),
              "command": f"benchmarks/soak.py --minutes {args.minutes} --clients {args.clients}",
              "minutes": minutes, "rss_growth_second_half_mb": round(growth, 1),
              "total_requests": len(samples), "total_5xx": sum(m["errors_5xx"] for m in minutes)}
    out = ROOT / "benchmarks" / "results" / f"soak-{datetime.now():%Y-%m-%d}-{socket.gethostname()}.json"
    out.write_text(json.dumps(result, indent=2))
    print("| minute | requests | 5xx | 503 timeout | 4xx | p50 ms | p99 ms | RSS MB |\n|---|---|---|---|---|---|---|---|")
    for m in minutes:
        print(f"| {m['minute']} | {m['requests']} | {m['errors_5xx']} | {m['timeouts_503']} | {m['client_errors_4xx']} "
              f"| {m['p50_ms']} | {m['p99_ms']} | {m['rss_mb']} |")
    print(f"\nRSS growth over the second half: {growth:.1f} MB; total requests {len(samples)}; written {out}")
    if result["total_5xx"] or growth > 100:
        raise SystemExit("soak failed: server errors or unbounded memory growth")


if __name__ == "__main__":
    main()
