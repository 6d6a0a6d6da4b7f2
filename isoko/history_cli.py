"""`isoko diff` and `isoko history`: the change history of the current build, on the command line."""

from __future__ import annotations

import json
import sys

import click

from browser_ui.change_text import describe
from sparql_endpoint.changes import parse
from sparql_endpoint.current import CurrentBuild, NoBuild, build_file
from sparql_endpoint.history import FILE_NAME, History, HistoryUnavailable

from .config import Config

FORMATS = ("text", "json", "nquads-added", "nquads-removed")


def _history(config: Config) -> tuple[History, object]:
    try:
        served = CurrentBuild(config).get()
        return History(build_file(config, served.id, FILE_NAME)), served.store
    except (NoBuild, HistoryUnavailable) as err:
        raise click.ClickException(str(err))


def _build_seq(builds: list[tuple[int, str, str]], wanted: str) -> int:
    found = [seq for seq, build_id, _ in builds if build_id.startswith(wanted)]
    if len(found) != 1:
        known = ", ".join(build_id for _, build_id, _ in builds[-5:])
        raise click.BadParameter(f"{wanted!r} names {'no' if not found else 'more than one'} build of the "
                                 f"history (latest: {known})")
    return found[0]


@click.command()
@click.argument("older", required=False)
@click.argument("newer", required=False)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: what changed, field by field; json: the same as JSON; nquads-added / "
                   "nquads-removed: the quads the newer build adds / removes.")
@click.option("--lang", default="en", show_default=True, help="Language of field names and texts.")
@click.pass_obj
def diff(config: Config, older: str | None, newer: str | None, fmt: str, lang: str) -> None:
    """What changed between two builds (ids or unique prefixes; default: the two latest)."""
    history, store = _history(config)
    builds = history.builds()
    newer_seq = _build_seq(builds, newer) if newer else builds[-1][0]
    older_seq = _build_seq(builds, older) if older else (builds[-2][0] if len(builds) > 1 else 0)
    if older_seq > newer_seq:
        older_seq, newer_seq = newer_seq, older_seq
    pairs = history.changed_between(older_seq, newer_seq)
    if fmt.startswith("nquads"):
        for before, after in pairs:
            old, new = set(parse(before.description if before else b"")), set(parse(after.description))
            for quad in sorted(new - old if fmt == "nquads-added" else old - new, key=str):
                click.echo(f"{quad} .")
        return
    names = {seq: build_id for seq, build_id, _ in builds}
    report = {"from": names.get(older_seq), "to": names[newer_seq], "created": [], "changed": [], "removed": []}
    for before, after in pairs:
        if after.change == "removed":
            report["removed"].append(after.entity)
        elif before is None or before.change == "removed":
            report["created"].append(after.entity)
        else:
            report["changed"].append({"entity": after.entity, "changes": describe(
                store, after.entity, before.description, after.description, lang, config.languages)})
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"from {report['from'] or 'the empty catalogue'} to {report['to']}: {len(report['created'])} "
               f"created, {len(report['changed'])} changed, {len(report['removed'])} removed")
    for entity in report["created"]:
        click.echo(f"+ {entity}")
    for entity in report["removed"]:
        click.echo(f"- {entity}")
    for item in report["changed"]:
        click.echo(f"~ {item['entity']}")
        for line in item["changes"]:
            click.echo(f"    {line}")


@click.command()
@click.argument("iri")
@click.option("--lang", default="en", show_default=True, help="Language of field names and texts.")
@click.pass_obj
def history(config: Config, iri: str, lang: str) -> None:
    """Every version of the entity IRI (or `kind/slug`), with what each changed."""
    found, store = _history(config)
    if not iri.startswith(("http://", "https://")):
        iri = config.id_base + iri
    versions = found.versions_of(iri)
    if not versions:
        click.echo(f"{iri} has no version in the history of the current build", err=True)
        sys.exit(1)
    previous = b""
    for version in versions:
        click.echo(f"{version.created}  {version.change:8}  {version.iri}")
        if version.change == "changed":
            for line in describe(store, iri, previous, version.description, lang, config.languages):
                click.echo(f"    {line}")
        previous = version.description
