"""CPU per uncached page (institution, procedure) in one thread, through the Flask test client, over
the 100 URLs of each kind that benchmarks/pages.py asks (issue 19, target 3). It hardly depends on
what else the machine runs, so it compares code changes where wrk's latencies cannot.

    .venv/bin/python benchmarks/cpu_pages.py measure           # best of PASSES (3) passes, per kind
    .venv/bin/python benchmarks/cpu_pages.py save DIR          # every page in rn, fr, en (token masked)
    .venv/bin/python benchmarks/cpu_pages.py profile entity 3  # cProfile of 3 passes

Over the catalogue of BENCH_DIR/BENCH_PAGES_SIZE (default /tmp/bench/1M, built by
benchmarks/pages.py), page cache off; a first pass warms what is kept per build (labels, chains).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
SIZE_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/bench")) / os.environ.get("BENCH_PAGES_SIZE", "1M")
os.environ.update(ISOKO_VAR=str(SIZE_DIR / "var"), ISOKO_DATA=str(SIZE_DIR / "data"),
                  ISOKO_BASE_IRI="https://data.isoko.bi/", ISOKO_PAGE_CACHE_MB="0",
                  ISOKO_SPARQL_RATE="1000000 per second")
os.environ.pop("ISOKO_STORE", None)

from benchmarks.run import counts, page_paths  # noqa: E402
from isoko.app import create_app  # noqa: E402

KINDS = ("entity", "procedure")
TOKEN = re.compile(rb'name="token" value="[^"]*"')


def main() -> None:
    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    client = app.test_client()
    paths = page_paths(*counts(SIZE_DIR / "data"))

    def get(path: str, language: str | None = None) -> bytes:
        response = client.get(path, headers={"Accept-Language": language} if language else {})
        assert response.status_code == 200, (path, response.status_code)
        return response.data

    def one_pass(kind: str) -> float:
        started = time.process_time()
        for path in paths[kind]:
            get(path)
        return (time.process_time() - started) * 1000 / len(paths[kind])

    mode = sys.argv[1] if len(sys.argv) > 1 else "measure"
    for kind in KINDS:
        one_pass(kind)
    if mode == "measure":
        for kind in KINDS:
            runs = [one_pass(kind) for _ in range(int(os.environ.get("PASSES", "3")))]
            print(f"{kind}: best {min(runs):.3f} ms CPU a page (passes: {', '.join(f'{r:.3f}' for r in runs)})")
    elif mode == "save":
        out = Path(sys.argv[2])
        out.mkdir(parents=True, exist_ok=True)
        for language in (None, "fr", "en"):
            for kind in KINDS:
                for number, path in enumerate(paths[kind]):
                    page = TOKEN.sub(b'name="token" value="X"', get(path, language))
                    (out / f"{kind}-{language or 'default'}-{number:03d}.html").write_bytes(page)
    elif mode == "profile":
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 3):
            one_pass(sys.argv[2])
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime")).print_stats(45)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
