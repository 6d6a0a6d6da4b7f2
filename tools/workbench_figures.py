"""The analyst workbench's figures on the real catalogue (issue 7): builds data/ into a temporary
var/, then runs the same documented queries and functions (browser_ui/analysis/) as the /analysis pages.

    .venv/bin/python tools/workbench_figures.py
"""
import atexit
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_ui.analysis import common, dependency_map as dm, once_only as oo  # noqa: E402
from browser_ui.analysis import prerequisites as pq, quality as qa, true_cost as tc  # noqa: E402
from browser_ui.labels import fetch_labels  # noqa: E402
from isoko.config import Config  # noqa: E402
from loaders.build import build, current_build  # noqa: E402
from loaders.quality import read_quality  # noqa: E402
from sparql_endpoint.current import CurrentBuild  # noqa: E402

folder = tempfile.mkdtemp(prefix="isoko-figures-")
atexit.register(shutil.rmtree, folder, True)
config = Config.from_env(var_dir=Path(folder) / "var")
build(config)
store = CurrentBuild(config).get().store
procedures = common.procedures(store)
graph = tc.catalogue_graph(store, procedures)
results = []
for p in procedures:
    tree = pq.prerequisite_tree(graph, p)
    results.append((p, tree, tc.true_cost(graph, tree)))
iris = {i for p, t, c in results for i in (*t.procedures, *c.counted)} | set(graph.issuers)
carried = oo.carried_documents(store)
report = read_quality(current_build(config))
table = qa.quality_table(qa.completeness_rows(store, date.today()), report["warnings"])
edges = dm.dependency_map(store)
top = dm.dependency_map(store, "top")
iris |= {e.institution for e in table} | {c.document for c in carried} | {i for c in carried for i in c.issuers + c.requirers}
iris |= {i for e in edges + top for i in (e.issuer, e.requirer)}
L = fetch_labels(store, iris, "en", config.languages)
n = lambda i: L[i].text if i in L else i.rsplit("/", 1)[-1]
short = lambda i: i.rsplit("/", 1)[-1]

print("== Longest chains (steps = procedures after the first)")
chains = sorted(results, key=lambda r: (-r[1].depth, r[0]))
best = chains[0][1].depth
for p, t, c in chains:
    if t.depth < best: break
    print(f"  {t.depth} steps: " + " <- ".join(f"{n(x)} [{short(x)}]" for x in t.longest))
cycles = {frozenset(zip(loop, loop[1:])): loop for _, t, _ in results for loop in t.cycles}
print("== Distinct cycles found:", sorted(" -> ".join(short(x) for x in loop) for loop in cycles.values()))
print("== True cost and time (procedures with a chain, longest first; first 12)")
for p, t, c in [r for r in chains if r[1].depth][:12]:
    fees = ", ".join(f"{'>=' if c.cost_at_least else ''}{v:,.0f} {k}" for k, v in c.totals.items()) or "unknown"
    days = ("unknown" if not c.days and c.time_at_least else f"{'>=' if c.time_at_least else ''}{c.days:g} d")
    print(f"  {short(p)}: depth {t.depth}, {len(c.counted)} procedures counted, fees {fees}, time {days}; "
          f"no fee: {[short(x) for x in c.missing_fee]}; no time: {len(c.missing_time)}")
print("== Most carried documents (once-only)")
for c in carried[:5]:
    print(f"  {n(c.document)}: {len(c.procedures)} procedures, issued by {[n(i) for i in c.issuers]}, "
          f"required by {len(c.requirers)} institutions: {[n(i) for i in c.requirers]}")
print(f"== Dependency map: {len(edges)} edges between institutions, {len(top)} between top-level ones; heaviest:")
for e in edges[:3]: print(f"  {n(e.issuer)} -> {n(e.requirer)}: {e.weight}")
for e in top[:3]: print(f"  (top) {n(e.issuer)} -> {n(e.requirer)}: {e.weight}")
print(f"== Data quality: {len(table)} institutions; warnings {report['counts']} (total {len(report['warnings'])})")
for f in qa.FACTS:
    missing = sum(len(e.missing[f]) for e in table); count = sum(len(e.procedures) for e in table)
    print(f"  {f}: {100 * (count - missing) / count:.0f}% of (procedure, institution) pairs")
print("  weakest (lowest share of the 8 facts; ties: more procedures first):")
for e in table[:10]:
    print(f"  {e.score:5.1f}%  {n(e.institution)} ({len(e.procedures)} procedures, {e.warnings} warnings)")
print("  strongest:")
for e in sorted(table, key=lambda e: (-e.score, -len(e.procedures)))[:3]:
    print(f"  {e.score:5.1f}%  {n(e.institution)} ({len(e.procedures)} procedures)")
