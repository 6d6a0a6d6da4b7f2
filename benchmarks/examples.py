"""How long each example query (sparql_endpoint/queries/) takes on the store itself, at each size:
the queries /sparql offers and the analysis pages run, against the endpoint's query timeout.

    .venv/bin/python benchmarks/examples.py                      # BENCH_SIZES=real,1M
    BENCH_DIR=/tmp/b BENCH_SIZES=1M .venv/bin/python benchmarks/examples.py

Each query runs in a process of its own on the build's store opened read-only, with the default
graph as the union of the named graphs (as /sparql evaluates it), twice: the first run reads the
store's blocks, the second is the steady state. A run is stopped at BENCH_EXAMPLE_LIMIT_S (60 s).
The builds are those of the other benchmarks (BENCH_DIR/<size>/var, built when missing). Reported,
never asserted. Writes benchmarks/results/examples-<date>.json and .md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.endpoint import build_var  # noqa: E402
from benchmarks.run import RESULTS, log  # noqa: E402
from isoko.config import Config  # noqa: E402
from sparql_endpoint.examples import examples  # noqa: E402

SIZES = os.environ.get("BENCH_SIZES", "real,1M")
LIMIT_S = float(os.environ.get("BENCH_EXAMPLE_LIMIT_S", 60))
TIMEOUT_S = Config().query_timeout  # the endpoint's default

RUN_TWICE = r"""
import json, sys, time
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
query = sys.stdin.read()
seconds = []
for _ in range(2):
    started = time.perf_counter()
    answer = store.query(query, use_default_graph_as_union=True)
    rows = 1 if isinstance(answer, bool) else sum(1 for _ in answer)
    seconds.append(round(time.perf_counter() - started, 3))
print(json.dumps({"first_s": seconds[0], "steady_s": seconds[1], "rows": rows}))
"""


def time_query(store: Path, query: str) -> dict:
    try:
        done = subprocess.run([sys.executable, "-c", RUN_TWICE, str(store)], input=query, capture_output=True,
                              text=True, timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"over {LIMIT_S:g} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout)


def bench_size(size: str) -> list[dict]:
    var = build_var(size)
    info = json.loads((var / "current" / "build.json").read_text())
    store = (var / "current" / "store").resolve()
    rows = []
    for example in examples():
        row = {"size": size, "triples": info["triples"], "example": example.name, **time_query(store, example.body)}
        row["within_timeout"] = "error" not in row and row["steady_s"] <= TIMEOUT_S
        log(f"{size} {example.name}: " + (row.get("error") or f"{row['first_s']} s, then {row['steady_s']} s, "
                                                             f"{row['rows']} rows"))
        rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [f"Each example query on the store, its first run and its second; the endpoint's timeout is {TIMEOUT_S:g} s",
             "", "| size | example | first run s | steady s | rows | within the timeout |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['size']} | {r['example']} | {r.get('first_s', r.get('error'))} | {r.get('steady_s', '')} | "
                     f"{r.get('rows', '')} | {'yes' if r['within_timeout'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    rows = [row for size in SIZES.split(",") for row in bench_size(size)]
    stem = RESULTS / f"examples-{datetime.now(timezone.utc):%Y-%m-%d}"
    stem.with_suffix(".json").write_text(json.dumps({"limit_s": LIMIT_S, "timeout_s": TIMEOUT_S, "rows": rows,
                                                     "load_average": os.getloadavg()}, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(rows))
    log(f"written {stem}.json and .md")


if __name__ == "__main__":
    main()
