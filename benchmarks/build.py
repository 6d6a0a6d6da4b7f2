"""`make bench-build`: a full build of the generated catalogue, then an incremental one after one
procedure changed, each next to its target (issue 19, target 4). Figures, never assertions.

    benchmarks/build.py [--size 1M] [--seed 1] [--work var/bench/build]

1. generate the catalogue (benchmarks/generate.py) into WORK/SIZE/data, empty WORK/SIZE/var;
2. `/usr/bin/time isoko build`: a full build (no build is served yet): wall, CPU, peak RSS, and
   the stages of build.json;
3. change one procedure (its fee and its processing time) and `/usr/bin/time isoko build` again:
   an incremental build (build.json says so with its `patch` stage), the target's case;
4. change one document (its English title) and build again: incremental too, but the document's
   named graph (graph/reference: every document, law, term and FAQ) has its dumps made again.

Each build is timed to the switch of var/current (from the process's start: its start-up counts;
what follows, pruning old builds, does not) and as a whole, with CPU, peak RSS and stages.

Writes benchmarks/results/<date>-<host>-build.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate, parse_size  # noqa: E402

ISOKO = Path(sys.executable).with_name("isoko")
TARGETS = {"full": 30.0, "incremental": 3.0}  # seconds, at 1M triples
CHANGED = "procedure/procedure-1.yaml"
CHANGED_DOCUMENT = "document/base-document-1.yaml"  # in graph/reference, which holds every document, law, term
KINDS = ("full", "incremental", "incremental-document")


def timed_build(data: Path, var: Path) -> dict:
    """`isoko build` under /usr/bin/time: wall, CPU, peak RSS, build.json's stages, and the wall
    from the process's start to the switch of var/current (watched every 5 ms: what follows the
    switch, pruning old builds and the process's exit, is not in it)."""
    env = {**os.environ, "ISOKO_DATA": str(data), "ISOKO_VAR": str(var)}
    env.pop("ISOKO_STORE", None)
    load = os.getloadavg()
    link = var / "current"
    before = os.readlink(link) if link.is_symlink() else None
    started = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-f", "TIME %e %U %S %M", str(ISOKO), "build"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    switched = None
    while process.poll() is None:
        if switched is None and link.is_symlink() and os.readlink(link) != before:
            switched = time.perf_counter() - started
        time.sleep(0.005)
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"isoko build failed:\n{stderr[-3000:]}")
    wall, user, system, rss = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", stderr).groups()
    info = json.loads((link / "build.json").read_text())
    return {"wall_s": float(wall), "to_switch_s": round(switched or float(wall), 2),
            "cpu_s": round(float(user) + float(system), 1),
            "peak_rss_mb": round(int(rss) / 1024), "stages_s": info["seconds"], "triples": info["triples"],
            "incremental": "patch" in info["seconds"], "history": info.get("history", {}),
            "load_average_before": [round(x, 1) for x in load]}


def change_one_procedure(data: Path) -> None:
    path = data / CHANGED
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"amount: (\d+)", lambda m: f"amount: {int(m.group(1)) + 500}", text, count=1)
    text = re.sub(r"processing_time: P(\d+)D", lambda m: f"processing_time: P{int(m.group(1)) + 1}D", text, count=1)
    path.write_text(text, encoding="utf-8")


def change_one_document(data: Path) -> None:
    path = data / CHANGED_DOCUMENT
    path.write_text(path.read_text(encoding="utf-8").replace('en: "Supporting', 'en: "A supporting'), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "build")
    args = parser.parse_args()
    folder = args.work / args.size
    data, var = folder / "data", folder / "var"
    files = generate(data, parse_size(args.size), seed=args.seed)
    shutil.rmtree(var, ignore_errors=True)
    shown = f"ISOKO_DATA={data.relative_to(ROOT) if data.is_relative_to(ROOT) else data} " \
            f"ISOKO_VAR={var.relative_to(ROOT) if var.is_relative_to(ROOT) else var}"
    started = time.monotonic()
    full = timed_build(data, var)
    change_one_procedure(data)
    incremental = timed_build(data, var)
    change_one_document(data)
    document = timed_build(data, var)
    report = {"run": datetime.now(timezone.utc).isoformat(timespec="seconds"), "host": socket.gethostname(),
              "cores": os.cpu_count(), "size": args.size, "files": files, "full": full, "incremental": incremental,
              "incremental-document": document,
              "seconds": round(time.monotonic() - started, 1),
              "commands": {"full": f"benchmarks/generate.py --size {args.size} --seed {args.seed} --out {data} && "
                                   f"{shown} /usr/bin/time isoko build",
                           "incremental": f"(change {CHANGED}: fee +500, processing time +1 day) && "
                                          f"{shown} /usr/bin/time isoko build",
                           "incremental-document": f"(then change {CHANGED_DOCUMENT}: its English title) && "
                                                   f"{shown} /usr/bin/time isoko build"}}
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M")
    (results / f"{stamp}-{socket.gethostname()}-build.json").write_text(json.dumps(report, indent=2))
    print(table(report))


def table(report: dict) -> str:
    rows = ["| figure | size | measured | target | met | command |", "|---|---|---|---|---|---|"]
    for kind in KINDS:
        r = report[kind]
        target = TARGETS.get(kind) if report["size"] == "1M" else None
        met = "—" if target is None else ("yes" if r["to_switch_s"] <= target else "no")
        rows.append(f"| {kind} build (wall to the switch; whole process; CPU; peak RSS; stages) | {report['size']} | "
                    f"{r['to_switch_s']:.2f} s; {r['wall_s']:.2f} s; {r['cpu_s']} s CPU; {r['peak_rss_mb']} MB; "
                    f"{r['triples']:,} triples; {r['stages_s']}; load average before {r['load_average_before']} | "
                    f"{f'≤ {target:g} s' if target else '—'} | {met} | `{report['commands'][kind]}` |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
