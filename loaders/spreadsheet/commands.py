"""The command line: `isoko import` (and `--template`) and `isoko export` (registered in isoko/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from isoko.config import Config

from .exporter import export
from .importer import import_sheet
from .templates import template

IMPORT_KINDS = ("procedure", "institution")


@click.command("import")
@click.argument("sheet", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), help="What the rows describe.")
@click.option("--update", is_flag=True, help="Allow rows whose slug exists in data/: change the values of the sheet's columns.")
@click.option("--template", "template_kind", type=click.Choice(IMPORT_KINDS), metavar="KIND",
              help="Write an empty sheet for KIND (procedure or institution) instead of importing.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where --template writes (.xlsx with a README sheet, or .csv); default KIND-template.xlsx.")
@click.pass_obj
def import_command(config: Config, sheet: Path | None, kind: str | None, update: bool,
                   template_kind: str | None, output: Path | None) -> None:
    """Convert a sheet (.csv or .xlsx, one row per entity) into data/ sources, all or none.

    Columns: `slug`, then one per key (title_fr, title_en, authority, fee_amount...); several values
    in a cell are separated by `;`. `isoko import --template procedure` writes a sheet to start from."""
    if template_kind:
        out = output or Path(f"{template_kind}-template.xlsx")
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise click.UsageError("-o must name a .csv or .xlsx file")
        template(config, template_kind, out)
        click.echo(f"wrote {out}: the {template_kind} columns, an example row"
                   + (" and a README sheet" if out.suffix.lower() == ".xlsx" else ""))
        return
    if sheet is None or kind is None:
        raise click.UsageError("give a SHEET and --kind (or --template KIND)")
    if not sheet.is_file():
        raise click.UsageError(f"{sheet}: no such file")
    from ..build import BuildBusy

    try:
        result = import_sheet(config, sheet, kind, update)
    except BuildBusy as err:
        click.echo(f"import refused: {err}; nothing was written", err=True)
        sys.exit(2)
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        click.echo(f"\nimport failed: {len(result.problems)} problem(s); data/ is unchanged", err=True)
        sys.exit(1)
    click.echo(f"imported {result.rows} row(s) from {sheet.name}: {len(result.created)} created, "
               f"{len(result.updated)} updated, {len(result.unchanged)} unchanged")
    for path in result.created + result.updated:
        click.echo(f"  {_shown(path, config)}")


@click.command("export")
@click.argument("sheet", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), required=True)
@click.pass_obj
def export_command(config: Config, sheet: Path, kind: str) -> None:
    """Write the KIND sources of data/ to SHEET (.csv or .xlsx) with the columns of `isoko import`."""
    if sheet.suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError("SHEET must be a .csv or .xlsx file")
    count, lost = export(config, kind, sheet)
    for slug, keys in lost.items():
        click.echo(f"{kind}/{slug}: not exported (a sheet cannot express it): {', '.join(keys)}", err=True)
    click.echo(f"exported {count} {kind}(s) to {sheet}")


def _shown(path: Path, config: Config) -> str:
    try:
        return str(path.resolve().relative_to(config.root))
    except ValueError:
        return str(path)
