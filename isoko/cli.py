"""The `isoko` command line: build, validate, publish, serve, query."""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import time
from pathlib import Path

import click

from loaders.build import BuildBusy, build as run_build, check_sources
from loaders.problems import ProblemsFound
from sparql_endpoint.current import CurrentBuild, NoBuild
from sparql_endpoint.remote import StoreRefused
from sparql_endpoint.store import QueryError, StoreUnavailable

from .config import Config

STAGES = ("parse", "validate", "history", "load", "index")
log = logging.getLogger("isoko")


@click.group()
@click.option("--base-iri", envvar="ISOKO_BASE_IRI", help="Base IRI of entities (default https://data.isoko.bi/).")
@click.pass_context
def main(ctx: click.Context, base_iri: str | None) -> None:
    """Isôko Linked Data: build, check and serve the catalogue of public-service procedures."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Config.from_env(base_iri=base_iri)


def _progress():
    """Progress on a terminal (one line rewritten per stage), plain log lines otherwise."""
    started = time.perf_counter()
    if sys.stderr.isatty():
        def show(stage: str, detail: str) -> None:
            step = STAGES.index(stage) + 1
            bar = "#" * step + "." * (len(STAGES) - step)
            click.echo(f"\r\033[K[{bar}] {step}/{len(STAGES)} {stage}: {detail} "
                       f"({time.perf_counter() - started:.1f}s)", nl=False, err=True)
        return show
    return lambda stage, detail: log.info("build: %s: %s", stage, detail)


@main.command()
@click.option("--full", is_flag=True, help="Build everything from the sources, not from the served build "
                                           "(by default only changed sources are read again when that is valid).")
@click.pass_obj
def build(config: Config, full: bool) -> None:
    """Build data/ into a new store and switch the served catalogue to it (atomically)."""
    try:
        info = run_build(config, _progress(), full=full)
    except ProblemsFound as err:
        click.echo("", err=True)
        click.echo(err.report(), err=True)
        click.echo(f"build failed: {len(err.problems)} problem(s); the served catalogue is unchanged",
                   err=True)
        sys.exit(1)
    except BuildBusy as err:
        click.echo(f"\nbuild refused: {err}", err=True)
        sys.exit(2)
    if sys.stderr.isatty():
        click.echo("", err=True)
    total = sum(info.seconds.values())
    click.echo(f"built {info.id}: {info.procedures} procedures, {info.triples} triples, "
               f"{len(info.graphs)} graphs in {total:.2f}s "
               f"({', '.join(f'{k} {v:.2f}s' for k, v in info.seconds.items())})")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def validate(config: Config, paths: tuple[Path, ...]) -> None:
    """Check sources against the shapes without building (only PATHS' problems if given)."""
    problems = check_sources(config, list(paths))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"\n{len(problems)} problem(s)")
        sys.exit(1)
    click.echo("valid: no problems found")


@main.command()
@click.option("--to", "target", required=True, envvar="ISOKO_PUBLISH_TO", metavar="URL",
              help="The store's dataset URL (Fuseki: http://127.0.0.1:3030/isoko), or "
                   "'URL query=… update=… data=…' for servers with separate endpoints; "
                   "user:password@ for HTTP Basic. Env: ISOKO_PUBLISH_TO.")
@click.pass_obj
def publish(config: Config, target: str) -> None:
    """Copy the current build into a remote SPARQL store, switching it in one transaction."""
    from loaders.publish import publish as run_publish
    try:
        info = run_publish(config, target, lambda message: log.info("publish: %s", message))
    except NoBuild as err:
        raise click.ClickException(str(err))
    except (StoreUnavailable, StoreRefused, QueryError) as err:
        click.echo(f"publish failed: {err}", err=True)
        click.echo("the store still serves what it served before", err=True)
        sys.exit(1)
    except ValueError as err:  # a malformed target spec
        raise click.ClickException(str(err))
    total = sum(info.seconds.values())
    click.echo(f"published {info.id} to {info.target}: {info.graphs} graphs, {info.triples} triples, "
               f"{info.bytes // 1024} KiB in {total:.2f}s "
               f"({', '.join(f'{k} {v:.2f}s' for k, v in info.seconds.items())})"
               + (f"; removed {len(info.removed)} graph(s)" if info.removed else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="PORT")
# 2 x 2 measured best on 2 cores at 1M triples (benchmarks/README.md, "Threads"): more threads per
# worker queue for the interpreter lock (uncached entity page p99 28-39 ms with 2, 43-51 with 4, and
# 30 ms cached with 6 and 8 against 16 with 4), and hardly raise /sparql throughput (lookups 7 %
# with 4), whose queries wait on the oxigraph sidecar.
@click.option("--workers", default=2, show_default=True, type=int, envvar="ISOKO_WORKERS")
@click.option("--threads", default=2, show_default=True, type=int, envvar="ISOKO_THREADS")
@click.pass_obj
def serve(config: Config, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the browser UI and /sparql over the current build."""
    from .server import serve as run_server
    run_server(config, host, port, workers, threads)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "ttl"]), default="table")
@click.pass_obj
def query(config: Config, sparql: str, fmt: str) -> None:
    """Run a SPARQL query against the current build."""
    try:
        store = CurrentBuild(config).get().store
        result = store.run(sparql)
        if result.form == "graph":
            media = {"json": "application/ld+json"}.get(fmt, "text/turtle")
            click.echo(result.serialize(media).decode())
        elif fmt in ("json", "csv"):
            media = {"json": "application/sparql-results+json", "csv": "text/csv"}[fmt]
            click.echo(result.serialize(media).decode(), nl=False)
        elif fmt == "ttl":
            raise click.UsageError("--format ttl is for CONSTRUCT and DESCRIBE queries")
        else:
            click.echo(_table(result))
    except (NoBuild, StoreUnavailable) as err:
        raise click.ClickException(str(err))
    except QueryError as err:
        raise click.ClickException(f"malformed query: {err}")


# Spreadsheets for ministry staff (issue 4): `isoko import` (and --template), `isoko export`.
from loaders.spreadsheet import export_command, import_command  # noqa: E402

main.add_command(import_command, "import")
main.add_command(export_command, "export")

# The change history of builds (issue 15): `isoko diff`, `isoko history`.
from .history_cli import diff, history  # noqa: E402

main.add_command(diff)
main.add_command(history)

# Back-office accounts (issue 16): `isoko user add`, `isoko user role`.
from .user_cli import user  # noqa: E402

main.add_command(user)


def _table(result) -> str:
    if result.form == "boolean":
        answer = json.loads(result.serialize("application/sparql-results+json"))["boolean"]
        return "true" if answer else "false"
    rows = list(csv.reader(io.StringIO(result.serialize("text/csv").decode())))
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(f"({len(rows) - 1} row{'s' if len(rows) != 2 else ''})")
    return "\n".join(lines)
