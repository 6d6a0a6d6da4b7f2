"""CPU of the serving process per repeated `GET /sparql` answer (the result cache's replayed
response), through the whole WSGI stack in-process, as gunicorn calls it (issue 19, target 2).

    ISOKO_VAR=var .venv/bin/python benchmarks/cpu_sparql.py [CALLS]          # best of 3 passes
    PROFILE=1 ISOKO_VAR=var .venv/bin/python benchmarks/cpu_sparql.py 3000   # and cProfile

The example query what-a-procedure-requires over the build served from ISOKO_VAR, from 1,000
client addresses (X-Forwarded-For, one trusted proxy), the rate limit raised out of the way.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["ISOKO_SPARQL_RATE"] = "1000000 per second"
os.environ.setdefault("ISOKO_PROXIES", "1")

from isoko.app import create_app  # noqa: E402
from isoko.config import Config  # noqa: E402

QUERY = (ROOT / "sparql_endpoint" / "queries" / "what-a-procedure-requires.rq").read_text(encoding="utf-8")
QUERY_STRING = "query=" + urllib.parse.quote(QUERY)  # once: quoting it costs more than the answer


def environ(number: int) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": QUERY_STRING,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": f"10.0.{number % 4}.{number % 250}",
            "HTTP_ACCEPT": "application/sparql-results+json", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}


def main() -> None:
    app = create_app(Config.from_env())
    statuses: list[str] = []

    def call(number: int) -> bytes:
        return b"".join(app.wsgi_app(environ(number), lambda status, headers, exc_info=None: statuses.append(status)))

    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    body = call(0)
    print(f"{statuses[-1]}, {len(body)} bytes")
    for number in range(300):
        call(number)
    best = min(_timed(call, calls) for _ in range(3))
    print(f"CPU per repeated answer: {best * 1e6:.1f} µs (best of 3 passes of {calls})")
    if os.environ.get("PROFILE"):
        profile = cProfile.Profile()
        profile.enable()
        for number in range(calls):
            call(number)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def _timed(call, calls: int) -> float:
    started = time.process_time()
    for number in range(calls):
        call(number)
    return (time.process_time() - started) / calls


if __name__ == "__main__":
    main()
