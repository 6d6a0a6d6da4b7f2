"""`make bench`: build speed, endpoint throughput against the raw stores, page latency, memory.

    .venv/bin/python benchmarks/run.py                       # BENCH_SIZES=10k,100k,1M,5M
    BENCH_SIZES=10k,100k .venv/bin/python benchmarks/run.py  # a quick run (a few minutes)

For each size (ascending): generate a synthetic catalogue (benchmarks/generate.py, seed 1), time
`isoko build` on it (wall, CPU, peak RSS, stages), serve it with `isoko serve` and measure the
entity, procedure and search pages with wrk (16 connections, --latency). At the comparison size
(1M when it is among the sizes, else the largest) the same SPARQL query mix is sent, with the same
concurrency, to our /sparql, to `oxigraph serve-read-only` over the same N-Quads dump, to Fuseki
(deploy/fuseki/run, in memory) and to rdflib-endpoint, one after the other in the same run, so
that the noise of a shared machine weighs on all alike. A size whose build would not fit (time
left or memory, extrapolated from the previous size) is skipped and reported as not measured.

Writes benchmarks/results/<date>-<host>.json and .md, and the table into benchmarks/README.md
(between the `bench:begin`/`bench:end` markers). Nothing here is a unit test: targets are only
reported, met or not.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, parse_size  # noqa: E402

BIN = Path(sys.executable).parent
ISOKO, OXIGRAPH, RDFLIB_ENDPOINT = BIN / "isoko", BIN / "oxigraph", BIN / "rdflib-endpoint"
FUSEKI = ROOT / "deploy" / "fuseki" / "run"
WORK = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
RESULTS = HERE / "results"
SIZES = os.environ.get("BENCH_SIZES", "10k,100k,1M,5M")
BUDGET = float(os.environ.get("BENCH_BUDGET_S", 45 * 60))  # whole run, seconds
MEMORY_LIMIT_MB = float(os.environ.get("BENCH_MEMORY_MB", 20_000))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 16))
DURATION = os.environ.get("BENCH_DURATION", "10s")
PAGE_DURATION = os.environ.get("BENCH_PAGE_DURATION", "8s")
PAGE_WARMUP = os.environ.get("BENCH_PAGE_WARMUP", "3s")
WORKERS = os.environ.get("ISOKO_WORKERS", "2")
THREADS = os.environ.get("ISOKO_THREADS", "2")  # the defaults of `isoko serve`
BASE = "https://data.isoko.bi/"
PREFIXES = ("PREFIX cpsv: <http://purl.org/vocab/cpsv#> PREFIX cv: <http://data.europa.eu/m8g/> "
            "PREFIX dct: <http://purl.org/dc/terms/> ")
TARGETS = {
    "build_1M_s": 60.0,  # 1M triples built in <= 60 s on 2 cores
    "vs_oxigraph": 0.8,  # >= 0.8x raw oxigraph requests/s
    "vs_rdflib": 20.0,  # >= 20x rdflib-endpoint requests/s
    "page_p99_ms": 20.0,  # entity and search pages, 1M triples, 16 clients
    "memory_mb": 500.0,  # serving processes at 1M
}
STARTED = time.monotonic()


# -- processes -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(path: Path) -> str:
    """A path as written in a command: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


@contextmanager
def server(command: list[str], ready: str, name: str, timeout: float = 300, env: dict | None = None,
           log_file: Path | None = None) -> Iterator[subprocess.Popen]:
    """Run a server in its own process group until the block ends; wait until `ready` answers."""
    out = open(log_file or os.devnull, "wb")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(ready, timeout=10).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}: {' '.join(command)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer within {timeout:g} s")
                time.sleep(0.25)
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        out.close()


def process_tree(pid: int) -> set[int]:
    """A process and all its descendants."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, todo = set(), [pid]
    while todo:
        current = todo.pop()
        family.add(current)
        todo.extend(child for child, parent in parents.items() if parent == current and child not in family)
    return family


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its descendants still running."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_memory_mb(pid: int) -> dict:
    """Memory of a process and all its descendants (MB): the sum of RSS (pages shared by forked
    workers counted in each) and of PSS (each shared page split among its sharers, so the sum is
    what the tree really holds), and how many processes."""
    family = process_tree(pid)
    totals = {"Rss:": 0, "Pss:": 0}
    for member in family:
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                key = line.split(" ", 1)[0]
                if key in totals:
                    totals[key] += int(line.split()[1])
        except OSError:
            continue
    return {"rss_mb": round(totals["Rss:"] / 1024, 1), "pss_mb": round(totals["Pss:"] / 1024, 1),
            "processes": len(family)}


# -- wrk ---------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(path: Path, requests: list[tuple[str, str, str | None]]) -> Path:
    """A wrk script cycling through (method, path, form body) requests, each thread from its own
    offset."""
    items = ",\n".join(f"  {{{_lua_string(m)}, {_lua_string(p)}, {_lua_string(b) if b else 'nil'}}}"
                       for m, p, b in requests)
    path.write_text(f"""-- generated by benchmarks/run.py
local items = {{
{items}
}}
local counter = 0
local form = {{["Content-Type"] = "application/x-www-form-urlencoded",
               ["Accept"] = "application/sparql-results+json"}}
local html = {{["Accept"] = "text/html"}}
setup = function(thread) thread:set("offset", math.random(#items)) end
request = function()
  counter = counter + 1
  local item = items[((counter + (offset or 0)) % #items) + 1]
  if item[3] then return wrk.format(item[1], item[2], form, item[3]) end
  return wrk.format(item[1], item[2], html, nil)
end
""", encoding="utf-8")
    return path


def wrk(url: str, script: Path, duration: str = DURATION, connections: int = CONNECTIONS) -> dict:
    command = [ensure_wrk(), "-t", "2", "-c", str(connections), "-d", duration, "--timeout", "10s", "--latency",
               "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    text = done.stdout
    result = {"command": " ".join(command), "requests_per_s": _float(r"Requests/sec:\s+([\d.]+)", text),
              "requests": int(_float(r"(\d+) requests in", text) or 0),
              "non_2xx": int(_float(r"Non-2xx or 3xx responses:\s+(\d+)", text) or 0),
              "timeouts": int(_float(r"timeout (\d+)", text) or 0)}
    for label, key in (("50%", "p50_ms"), ("90%", "p90_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            result[key] = round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)
    if result["requests_per_s"] is None:
        result["error"] = (done.stderr or text)[-500:]
    if not result["requests"] or result["requests"] <= result["timeouts"]:  # nothing answered in time
        for key in ("p50_ms", "p90_ms", "p99_ms"):
            result.pop(key, None)
        result["error"] = f"no request completed during the run ({result['timeouts']} over the 10 s timeout)"
    return result


def _float(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


# -- the workload --------------------------------------------------------------------------------

def query_mix(procedures: int, institutions: int, count: int = 60) -> list[str]:
    """The five queries of the issue, over varying entities (same list for every server)."""
    queries = []
    for number in range(count):
        p = 1 + (number * 7919) % procedures
        i = 1 + (number * 104729) % institutions
        queries += [
            # 1. entity lookup
            f"SELECT ?p ?o WHERE {{ <{BASE}id/procedure/procedure-{p}> ?p ?o }}",
            # 2. procedures of an institution (with their French titles)
            f"{PREFIXES}SELECT ?proc ?title WHERE {{ ?proc cv:hasCompetentAuthority <{BASE}id/institution/inst-{i}> ;"
            f" dct:title ?title FILTER(lang(?title) = 'fr') }}",
            # 3. document chain: every procedure whose output is needed, directly or not
            f"{PREFIXES}SELECT DISTINCT ?before WHERE {{ <{BASE}id/procedure/procedure-{p}> "
            f"(cpsv:hasInput/^cpsv:produces)+ ?before }}",
            # 4. aggregate of fees (of one institution's procedures)
            f"{PREFIXES}SELECT (COUNT(?fee) AS ?fees) (SUM(?amount) AS ?total) (AVG(?amount) AS ?mean) WHERE {{ "
            f"?proc cv:hasCompetentAuthority <{BASE}id/institution/inst-{i}> ; cv:hasCost ?fee . "
            f"?fee cv:hasValue ?amount }}",
            # 5. full-text-ish FILTER over all procedure titles
            f"{PREFIXES}SELECT ?proc ?title WHERE {{ ?proc a cpsv:PublicService ; dct:title ?title "
            f"FILTER(lang(?title) = 'fr' && CONTAINS(LCASE(?title), 'n°{p}')) }} LIMIT 20",
        ]
    return queries


def page_paths(procedures: int, institutions: int, count: int = 100) -> dict[str, list[str]]:
    words = ("permis", "certificat", "passeport", "licence", "commerce", "voyage", "santé", "transport")
    return {
        "entity": [f"/id/institution/inst-{1 + (n * 104729) % institutions}" for n in range(count)],
        "procedure": [f"/id/procedure/procedure-{1 + (n * 7919) % procedures}" for n in range(count)],
        "search": ["/search?q=" + urllib.parse.quote(f"{words[n % len(words)]} {1 + (n * 7919) % procedures}")
                   for n in range(count)],
    }


def counts(data: Path) -> tuple[int, int]:
    return len(list((data / "procedure").glob("*.yaml"))), len(list((data / "institution").glob("*.yaml")))


# -- the stages ------------------------------------------------------------------------------------

def bench_build(size: str, triples: int) -> dict:
    folder = WORK / size
    data, var = folder / "data", folder / "var"
    started = time.monotonic()
    files = generate(data, triples, seed=1)
    generated = round(time.monotonic() - started, 1)
    shutil.rmtree(var, ignore_errors=True)
    env = {**os.environ, "ISOKO_DATA": str(data), "ISOKO_VAR": str(var), "ISOKO_BASE_IRI": BASE}
    env.pop("ISOKO_STORE", None)
    command = ["/usr/bin/time", "-f", "TIME %e %U %S %M", str(ISOKO), "build"]
    log(f"{size}: {files} files generated in {generated}s; building")
    load_before = os.getloadavg()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"isoko build failed for {size}:\n{done.stderr[-3000:]}")
    wall, user, system, rss = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", done.stderr).groups()
    info = json.loads((var / "current" / "build.json").read_text())
    result = {"size": size, "files": files, "triples": info["triples"], "procedures": info["procedures"],
              "wall_s": float(wall), "cpu_s": round(float(user) + float(system), 1),
              "peak_rss_mb": round(int(rss) / 1024), "stages_s": info.get("seconds", {}),
              "load_average_before": [round(x, 1) for x in load_before],
              "command": f"benchmarks/generate.py --size {size} --seed 1 --out {shown(data)} && "
                         f"ISOKO_DATA={shown(data)} ISOKO_VAR={shown(var)} isoko build"}
    log(f"{size}: built {info['triples']} triples in {wall}s wall, {result['cpu_s']}s CPU, "
        f"{result['peak_rss_mb']} MB peak")
    return result


def isoko_env(size: str) -> dict:
    folder = WORK / size
    env = {**os.environ, "ISOKO_DATA": str(folder / "data"), "ISOKO_VAR": str(folder / "var"),
           "ISOKO_BASE_IRI": BASE}
    env.pop("ISOKO_STORE", None)
    return env


@contextmanager
def isoko_server(size: str, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    command = [str(ISOKO), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", WORKERS,
               "--threads", THREADS]
    with server(command, f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", "isoko serve", 120,
                {**isoko_env(size), **env}, WORK / size / "serve.log") as process:
        yield f"http://127.0.0.1:{port}", process


def bench_pages(size: str) -> list[dict]:
    """Each page kind over 100 URLs, first with the page cache off (every request rendered), then
    as served by default (repeated URLs answered from the page cache); each measured run follows a
    warm-up run of the same URLs, so that both are steady states (the cold start of the cache, one
    render per URL and worker, is what the uncached run shows for every request)."""
    procedures, institutions = counts(WORK / size / "data")
    results = []
    for cache, env in (("uncached", {"ISOKO_PAGE_CACHE_MB": "0"}), ("default", {})):
        with isoko_server(size, **env) as (url, process):
            for page, paths in page_paths(procedures, institutions).items():
                script = lua_script(WORK / f"pages-{page}.lua", [("GET", p, None) for p in paths])
                for path in paths[:3]:  # check the page exists
                    urllib.request.urlopen(url + path, timeout=60).close()
                wrk(url + "/", script, PAGE_WARMUP)  # steady state: store blocks read, pages cached
                result = wrk(url + "/", script, PAGE_DURATION)
                result.update(size=size, page=page, cache=cache, example=paths[0])
                result["command"] += f" (after a {PAGE_WARMUP} warm-up run of the same script)"
                if env:
                    result["command"] = ("isoko serve with " + " ".join(f"{k}={v}" for k, v in env.items())
                                         + "; " + result["command"])
                log(f"{size}: {page} page ({cache}) p50 {result.get('p50_ms')} ms p99 {result.get('p99_ms')} ms "
                    f"({result['requests_per_s']} req/s)")
                results.append(result)
            results.append({"size": size, "page": "memory", "cache": cache, **tree_memory_mb(process.pid),
                            "command": f"isoko serve --workers {WORKERS} --threads {THREADS}; RSS and PSS of its "
                                       "process tree after the page runs"})
    return results


def bench_endpoints(size: str) -> dict:
    folder = WORK / size
    procedures, institutions = counts(folder / "data")
    queries = query_mix(procedures, institutions)
    dump = folder / "var" / "current" / "dumps" / "catalogue.nq.gz"
    body = [("POST", None, "query=" + urllib.parse.quote(q, safe="")) for q in queries]
    results: dict[str, dict] = {}

    def run(name: str, url: str, path: str, process: subprocess.Popen | None, note: str = "") -> None:
        script = lua_script(WORK / f"mix-{name}.lua", [(m, path, b) for m, _, b in body])
        check = urllib.request.Request(url + path, data=body[0][2].encode(),
                                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                                "Accept": "application/sparql-results+json"})
        rows = len(json.loads(urllib.request.urlopen(check, timeout=600).read())["results"]["bindings"])
        result = wrk(url + path, script)
        result.update(first_query_rows=rows, note=note)
        if process is not None:
            result.update(tree_memory_mb(process.pid))
        results[name] = result
        log(f"{size}: {name}: {result['requests_per_s']} req/s (p99 {result.get('p99_ms')} ms, "
            f"non-2xx {result['non_2xx']}, timeouts {result['timeouts']})")

    with isoko_server(size) as (url, process):
        run("isoko", url, "/sparql", process, f"isoko serve --workers {WORKERS} --threads {THREADS}")

    # the same data as one N-Triples file (the union of the named graphs) for the other stores
    triples_file = folder / "union.nt"
    if not triples_file.exists() or triples_file.stat().st_mtime < dump.stat().st_mtime:
        import gzip

        import pyoxigraph as ox
        with gzip.open(dump) as source, open(triples_file, "wb") as out:
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object)
                          for q in ox.parse(source, format=ox.RdfFormat.N_QUADS)), out,
                         format=ox.RdfFormat.N_TRIPLES)

    location = folder / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    started = time.monotonic()
    subprocess.run([str(OXIGRAPH), "load", "--location", str(location), "--file", str(dump)], check=True,
                   capture_output=True)
    log(f"{size}: oxigraph load {round(time.monotonic() - started, 1)}s")
    port = free_port()
    with server([str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                 "--union-default-graph"], f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", "oxigraph") as process:
        run("oxigraph", f"http://127.0.0.1:{port}", "/query", process,
            "oxigraph load --file catalogue.nq.gz; oxigraph serve-read-only --union-default-graph")
    # the same server over the build's own store files: what our endpoint layer costs, apart from
    # the store's layout (a fresh `oxigraph load` writes one set of files; a build adds its description after)
    port = free_port()
    with server([str(OXIGRAPH), "serve-read-only", "--location", str(folder / "var" / "current" / "store"),
                 "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", "oxigraph (build store)") as process:
        run("oxigraph-build-store", f"http://127.0.0.1:{port}", "/query", process,
            "oxigraph serve-read-only --union-default-graph --location var/current/store (the files isoko serves)")

    if FUSEKI.exists() and shutil.which("java"):
        port = free_port()
        try:
            with server(["bash", str(FUSEKI), "--port", str(port), "--mem"],
                        f"http://127.0.0.1:{port}/isoko/query?query=ASK%7B%7D", "fuseki", 300,
                        {**os.environ, "FUSEKI_JAVA_OPTS": "-Xmx4g"}, folder / "fuseki.log") as process:
                with open(triples_file, "rb") as handle:
                    upload = urllib.request.Request(f"http://127.0.0.1:{port}/isoko/data?default", data=handle,
                                                    headers={"Content-Type": "application/n-triples",
                                                             "Content-Length": str(triples_file.stat().st_size)})
                    urllib.request.urlopen(upload, timeout=1800).close()
                run("fuseki", f"http://127.0.0.1:{port}", "/isoko/query", process,
                    "deploy/fuseki/run --mem (TDB2 in-memory, -Xmx4g), N-Triples POSTed to /isoko/data")
        except Exception as err:  # noqa: BLE001 - report, do not abort the whole run
            results["fuseki"] = {"error": str(err)[:500], "requests_per_s": None}
            log(f"{size}: fuseki failed: {err}")
    else:
        results["fuseki"] = {"error": "not measured: deploy/fuseki/run or java is missing", "requests_per_s": None}

    port = free_port()
    try:
        with server([str(RDFLIB_ENDPOINT), "serve", "--host", "127.0.0.1", "--port", str(port), str(triples_file)],
                    f"http://127.0.0.1:{port}/?query=ASK%7B%7D", "rdflib-endpoint", 1800,
                    log_file=folder / "rdflib-endpoint.log") as process:
            run("rdflib-endpoint", f"http://127.0.0.1:{port}", "/", process,
                "rdflib-endpoint serve union.nt (rdflib in-memory store)")
    except Exception as err:  # noqa: BLE001
        results["rdflib-endpoint"] = {"error": str(err)[:500], "requests_per_s": None}
        log(f"{size}: rdflib-endpoint failed: {err}")
    return results


# -- report ------------------------------------------------------------------------------------------

def fmt(value, unit: str = "") -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        value = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value}{unit}"


def memory(result: dict) -> str:
    pss = f"PSS {result['pss_mb']} MB, " if result.get("pss_mb") is not None else ""
    return f"{pss}RSS {result['rss_mb']} MB summed over {result.get('processes')} processes"


def table(report: dict) -> str:
    rows = ["| figure | size | measured | target | met | command |", "|---|---|---|---|---|---|"]

    def row(figure, size, measured, target, met, command):
        mark = "—" if met is None else ("yes" if met else "**no**")
        rows.append(f"| {figure} | {size} | {measured} | {target} | {mark} | `{command}` |")

    for b in report["build"]:
        target = TARGETS["build_1M_s"] if b["size"] == "1M" else None
        row("build (wall; CPU; peak RSS)", b["size"],
            f"{fmt(b['wall_s'])} s; {fmt(b['cpu_s'])} s CPU; {b['peak_rss_mb']} MB; "
            f"{b['triples']:,} triples; stages {b['stages_s']}",
            "≤ 60 s" if target else "—", (b["wall_s"] <= target) if target else None, b["command"])
    for s in report.get("skipped", []):
        row("build", s["size"], f"not measured: {s['reason']}", "≤ 60 s" if s["size"] == "1M" else "—", None, "—")
    ep = report.get("endpoints", {})
    if ep:
        size = report["comparison_size"]
        ours = ep["servers"].get("isoko", {}).get("requests_per_s")
        for name, result in ep["servers"].items():
            measured = (f"{fmt(result.get('requests_per_s'))} req/s, p50 {fmt(result.get('p50_ms'))} ms, "
                        f"p99 {fmt(result.get('p99_ms'))} ms, non-2xx {result.get('non_2xx')}, "
                        f"timeouts {result.get('timeouts')}, RSS {fmt(result.get('rss_mb'))} MB"
                        if result.get("requests_per_s") is not None else fmt(None) + f": {result.get('error')}")
            row(f"SPARQL mix: {name}", size, measured, "—", None, result.get("command", "—"))
        isoko = ep["servers"].get("isoko", {})
        if isoko.get("rss_mb") is not None:
            row("serving memory (the whole process tree of isoko serve, after the /sparql run)", size,
                memory(isoko), "≤ 500 MB (PSS)", isoko.get("pss_mb", isoko["rss_mb"]) <= TARGETS["memory_mb"],
                isoko.get("note") or "isoko serve")
        for name, key, target in (("oxigraph", "vs_oxigraph", "≥ 0.8×"), ("oxigraph-build-store", None, "(reported)"),
                                  ("rdflib-endpoint", "vs_rdflib", "≥ 20×"), ("fuseki", None, "(reported)")):
            ratio = ep["ratios"].get(name)
            row(f"/sparql ÷ {name} req/s", size, fmt(ratio, "×"), target,
                (ratio >= TARGETS[key]) if (key and ratio is not None) else None,
                "same run, same mix, same wrk settings")
    for p in report["pages"]:
        cache = p.get("cache", "default")
        if p["page"] == "memory":
            row(f"serving memory after the page runs ({cache})", p["size"], memory(p), "—", None, p["command"])
            continue
        target = TARGETS["page_p99_ms"] if p["page"] in ("entity", "search") and cache == "default" and \
            p["size"] == report.get("comparison_size") else None
        if p.get("requests") and p.get("p99_ms") is not None:
            measured = (f"{fmt(p.get('p50_ms'))} / {fmt(p.get('p99_ms'))} ms ({fmt(p.get('requests_per_s'))} req/s, "
                        f"non-2xx {p.get('non_2xx')}, timeouts {p.get('timeouts')})")
        else:
            measured = f"no request completed during the run ({p.get('timeouts')} over the 10 s timeout)"
        row(f"{p['page']} page p50 / p99 ({cache})", p["size"], measured, "p99 ≤ 20 ms" if target else "—",
            (p.get("p99_ms") is not None and p["p99_ms"] <= target) if target else None, p["command"])
    return "\n".join(rows)


def scaling(report: dict) -> str:
    lines = []
    builds = report["build"]
    for before, after in zip(builds, builds[1:]):
        growth = after["triples"] / before["triples"]
        time_growth = after["wall_s"] / max(before["wall_s"], 0.01)
        cpu_growth = after["cpu_s"] / max(before["cpu_s"], 0.01)
        flag = " — **worse than linear**" if cpu_growth > growth * 1.2 else ""
        lines.append(f"- build {before['size']} → {after['size']}: triples ×{growth:.1f}, wall ×{time_growth:.1f}, "
                     f"CPU ×{cpu_growth:.1f}{flag}")
    pages: dict[str, list[dict]] = {}
    for p in report["pages"]:
        if p["page"] != "memory":
            pages.setdefault(f"{p['page']} ({p.get('cache', 'default')})", []).append(p)
    for page, runs in pages.items():
        lines.append(f"- {page} page p99 by size: " + ", ".join(
            f"{r['size']} {r['p99_ms']} ms" if r.get("requests") and r.get("p99_ms") is not None
            else f"{r['size']} none completed" for r in runs))
    return "\n".join(lines)


def write(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{report['date'][:10]}-{report['host']}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    markdown = (f"Run {report['date']} on `{report['host']}` ({report['machine']['cores']} cores, "
                f"{report['machine']['memory_gb']} GiB; load average {report['machine']['load_before']} before, "
                f"{report['machine'].get('load_after')} after), sizes {report['sizes']}, {CONNECTIONS} connections, "
                f"isoko serve --workers {WORKERS} --threads {THREADS}; {report.get('seconds')} s in all.\n\n"
                + table(report) + "\n\nScaling:\n\n" + scaling(report) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown, encoding="utf-8")
    readme = HERE / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            tail = rest.split(end, 1)[1]
            readme.write_text(f"{head}{begin}\n{markdown}{end}{tail}", encoding="utf-8")
    return RESULTS / f"{stem}.json"


def main() -> None:
    if sys.argv[1:2] == ["--report"]:  # rewrite the .md and README table from a results .json
        report = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        for p in report["pages"]:  # results written before runs without answers were told apart
            if p.get("requests") == 0:
                for key in ("p50_ms", "p90_ms", "p99_ms"):
                    p.pop(key, None)
        print(f"written: {write(report)}")
        return
    ensure_wrk()
    sizes = [s.strip() for s in SIZES.split(",") if s.strip()]
    sizes.sort(key=parse_size)
    comparison = "1M" if "1M" in sizes else sizes[-1]
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "host": platform.node() or "host",
              "sizes": sizes, "comparison_size": comparison, "targets": TARGETS,
              "machine": {"cores": os.cpu_count(), "memory_gb": memory_gb,
                          "load_before": [round(x, 1) for x in os.getloadavg()]},
              "build": [], "skipped": [], "pages": [], "endpoints": {}}
    WORK.mkdir(parents=True, exist_ok=True)
    previous = None
    for size in sizes:
        triples = parse_size(size)
        if previous:  # extrapolate from the last build, at least linearly
            factor = triples / previous["triples"]
            expected_s, expected_mb = previous["wall_s"] * factor * 1.3, previous["peak_rss_mb"] * factor
            left = BUDGET - (time.monotonic() - STARTED)
            if expected_s > left or expected_mb > MEMORY_LIMIT_MB:
                reason = (f"extrapolated from {previous['size']}: ~{expected_s:.0f} s (budget left {left:.0f} s), "
                          f"~{expected_mb:.0f} MB peak (limit {MEMORY_LIMIT_MB:.0f} MB)")
                report["skipped"].append({"size": size, "reason": reason})
                log(f"{size}: skipped, {reason}")
                continue
        result = bench_build(size, triples)
        report["build"].append(result)
        previous = result
        report["pages"] += bench_pages(size)
        write(report)  # after every size, so a stopped run still leaves its figures
    built = [b["size"] for b in report["build"]]
    if comparison not in built and built:  # 1M did not fit: compare at the largest that did
        comparison = max((s for s in built if parse_size(s) <= parse_size(comparison)), key=parse_size,
                         default=built[-1])
        report["comparison_size"] = comparison
    if built:
        servers = bench_endpoints(comparison)
        ours = servers.get("isoko", {}).get("requests_per_s")
        ratios = {name: (round(ours / r["requests_per_s"], 2) if ours and r.get("requests_per_s") else None)
                  for name, r in servers.items() if name != "isoko"}
        report["endpoints"] = {"servers": servers, "ratios": ratios}
    report["machine"]["load_after"] = [round(x, 1) for x in os.getloadavg()]
    report["seconds"] = round(time.monotonic() - STARTED)
    path = write(report)
    print(table(report))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
