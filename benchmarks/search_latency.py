"""Search index size, build time and query latency on the real catalogue (run by hand).

    .venv/bin/python benchmarks/search_latency.py [--data data/] [--searches 1000] [--seed 6]

Builds data/ into a temporary var/ (the served var/ is not touched), times the search-index
stage alone (write_search_index on the built store, best of 3), then runs N searches with a
seeded mix of queries (1-3 words taken from the index, partly typed prefixes, in rn/fr/en,
some with a kind filter, some matching nothing) through browser_ui.search.search, which opens a
read-only connection per call as the /search page does, and through the Flask page itself.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from browser_ui.search import search  # noqa: E402
from isoko.app import create_app  # noqa: E402
from isoko.config import ROOT, Config  # noqa: E402
from loaders.build import build  # noqa: E402
from loaders.kinds import KINDS  # noqa: E402
from loaders.search_index import FILE_NAME, write_search_index  # noqa: E402
from sparql_endpoint.store import OxigraphStore  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def queries(db: Path, count: int, seed: int) -> list[tuple[str, str, str | None]]:
    generator = random.Random(seed)
    with sqlite3.connect(db) as connection:
        texts = [t for (t,) in connection.execute("SELECT text FROM search")]
    vocabulary = sorted({w for t in texts for w in t.replace("'", " ").split() if len(w) >= 3 and w.isalpha()})
    made = []
    for _ in range(count):
        roll = generator.random()
        n = generator.choice((1, 1, 2, 2, 3))
        words = [generator.choice(vocabulary) for _ in range(n)]
        if roll < 0.3:  # still typing: a prefix of the last word
            words[-1] = words[-1][:generator.randint(2, max(2, len(words[-1]) - 1))]
        elif roll < 0.35:
            words = ["zzqxj", "wvvk"]  # nothing matches
        elif roll < 0.4:
            words = ["de"]  # a very common prefix
        kind = generator.choice(list(KINDS)) if generator.random() < 0.15 else None
        made.append((" ".join(words), generator.choice(("rn", "fr", "en")), kind))
    return made


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name}: n={len(ms)} p50={percentile(ms, 50):.2f} ms p90={percentile(ms, 90):.2f} ms "
          f"p99={percentile(ms, 99):.2f} ms max={max(ms):.2f} ms mean={statistics.mean(ms):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="isoko-search-bench-") as tmp:
        config = Config.from_env(data_dir=args.data, var_dir=Path(tmp) / "var")
        started = time.perf_counter()
        info = build(config)
        print(f"build of {args.data}: {time.perf_counter() - started:.2f} s, stages {info.seconds}, "
              f"{info.triples} triples, {info.procedures} procedures")
        folder = Path(os.path.realpath(config.current_link))
        db = folder / FILE_NAME
        print(f"{FILE_NAME}: {info.search_rows} rows, {db.stat().st_size / 1024:.0f} KiB")

        store = OxigraphStore(folder / "store", read_only=True)
        timings = []
        for run in range(3):
            started = time.perf_counter()
            write_search_index(store, Path(tmp) / f"again-{run}.sqlite", config)
            timings.append(time.perf_counter() - started)
        print(f"write_search_index alone: best {min(timings) * 1000:.0f} ms of 3 "
              f"({', '.join(f'{t * 1000:.0f}' for t in timings)} ms)")
        del store

        mix = queries(db, args.searches, args.seed)
        for text, language, kind in mix[:20]:  # warm the page cache
            search(db, text, language, kind=kind)
        seconds, hits = [], 0
        for text, language, kind in mix:
            started = time.perf_counter()
            found = search(db, text, language, kind=kind)
            seconds.append(time.perf_counter() - started)
            hits += bool(found)
        report("search()", seconds)
        print(f"  {hits}/{len(mix)} searches found something")

        client = create_app(config).test_client(use_cookies=False)
        for fmt in ("html", "json"):
            client.get("/search", query_string={"q": "passeport", "format": fmt})
            seconds = []
            for text, language, kind in mix:
                query = {"q": text, "lang": language, "format": fmt, **({"kind": kind} if kind else {})}
                started = time.perf_counter()
                response = client.get("/search", query_string=query)
                seconds.append(time.perf_counter() - started)
                assert response.status_code == 200, (query, response.status_code)
            report(f"GET /search ({fmt}, Flask test client)", seconds)


if __name__ == "__main__":
    main()
