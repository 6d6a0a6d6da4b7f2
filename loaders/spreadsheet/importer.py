"""`import_sheet`: a sheet into data/ sources, all or none.

Import converts every row, then writes the files into a copy of data/, validates that copy with
`check_sources` (so references between the sheet and the catalogue resolve, and every shape is
checked), maps each problem back to `file:row:column`, and only when nothing is wrong copies the
files into data/ (all or none, under the build lock).
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import yaml

from isoko.config import Config

from ..kinds import SLUG, slugify
from .cells import CellError, Formula, cell_text, is_blank
from .convert import Header, RowContext, read_header, row_record
from .files import read_rows
from .problems import SheetError, SheetProblem, column_letter
from .spec import SheetSpec, sheet_spec
from .staging import ImportResult, Staged, move_into_data
from .update import merge_record
from .validate import validate_copy

MAX_PROBLEMS = 500


def dump_record(record: dict) -> str:
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def existing_path(config: Config, kind: str, slug: str) -> Path | None:
    for suffix in (".yaml", ".yml"):
        path = config.data_dir / kind / f"{slug}{suffix}"
        if path.exists():
            return path
    return None


def import_sheet(config: Config, sheet: Path, kind: str, update: bool = False,
                 display: str | None = None) -> ImportResult:
    """Convert `sheet` into data/{kind}/ sources: all files or none (see the module docstring)."""
    display = display or sheet.name
    spec = sheet_spec(config, kind)
    result = ImportResult()
    staging = config.var_dir / "imports" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    copy = staging / "data"
    try:
        try:
            rows = read_rows(sheet, display, kind)
            header, staged = _convert_rows(config, spec, rows, display, update, copy, result)
        except SheetError as err:
            result.problems = err.problems
            return result
        if result.problems or not staged:
            return result
        result.problems = validate_copy(config, copy, staged, spec, header, display)
        if result.problems:
            return result
        move_into_data(config, staged, staging / "backup", result)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _convert_rows(config: Config, spec: SheetSpec, rows: Iterator[tuple[int, list]], display: str,
                  update: bool, copy: Path, result: ImportResult) -> tuple[Header | None, list[Staged]]:
    header: Header | None = None
    staged: list[Staged] = []
    slugs: dict[str, int] = {}
    problems = result.problems
    unnamed_reported: set[int] = set()
    for number, cells in rows:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(SheetProblem(display, number, "", f"stopped after {MAX_PROBLEMS} problems",
                                         "fix these first"))
            break
        if all(is_blank(c) for c in cells):
            continue
        if header is None:
            header, header_problems = read_header(spec, number, cells, display)
            if header_problems:
                problems.extend(header_problems)
                return header, []
            if not copy.exists():
                shutil.copytree(config.data_dir, copy, ignore=shutil.ignore_patterns(".*"))
            continue
        result.rows += 1
        where = RowContext(display, number, header)
        row_problems: list[SheetProblem] = []
        for index, cell in enumerate(cells):
            if is_blank(cell):
                continue
            if index not in header.positions and index not in unnamed_reported:
                unnamed_reported.add(index)
                row_problems.append(SheetProblem(display, number, column_letter(index),
                                                 "a value in a column without a name in row "
                                                 f"{header.row}", "name the column, or empty it"))
            elif isinstance(cell, Formula):
                column = header.positions.get(index)
                row_problems.append(where.problem(column, f"a formula ({cell}): the import reads values, not formulas",
                                                  "copy the cells and paste them as values (Paste Special > Values)"))
            elif isinstance(cell, CellError):
                row_problems.append(where.problem(header.positions.get(index), f"the cell holds the error {cell}",
                                                  "correct the cell or empty it"))
        if row_problems:
            problems.extend(row_problems)
            continue
        slug_column = spec.columns[0]
        raw_slug = cells[header.by_name["slug"]] if header.by_name["slug"] < len(cells) else None
        slug = cell_text(raw_slug)
        if not slug:
            problems.append(where.problem(slug_column, "empty, but the row has other values",
                                          "give the file name of the entity, e.g. ordinary-passport"))
            continue
        if not SLUG.match(slug):
            suggestion = slugify(slug)
            problems.append(where.problem(slug_column, f'"{slug}" is not a valid slug',
                                          "use lowercase ASCII words joined by hyphens"
                                          + (f", e.g. {suggestion}" if suggestion else "")))
            continue
        if slug in slugs:
            problems.append(where.problem(slug_column, f"`{slug}` is already used in row {slugs[slug]}",
                                          "give each row its own slug, or merge the two rows"))
            continue
        slugs[slug] = number
        before = len(problems)
        record = row_record(spec, header, cells, where, problems)
        if len(problems) > before:
            continue
        existing = existing_path(config, spec.kind, slug)
        if existing and not update:
            problems.append(where.problem(slug_column, f"`{spec.kind}/{slug}` already exists "
                                          f"(data/{spec.kind}/{existing.name})",
                                          "choose a new slug, or import with --update to change it"))
            continue
        if existing:
            old = yaml.safe_load(existing.read_text(encoding="utf-8")) or {}
            merged = merge_record(spec, header, slug, old, record, where, problems)
            if merged is None:
                continue
            if merged == old:  # the file keeps its layout and comments
                result.unchanged.append(existing)
                continue
            record = merged
        target = existing or config.data_dir / spec.kind / f"{slug}.yaml"
        staged_path = copy / spec.kind / target.name
        staged_path.parent.mkdir(parents=True, exist_ok=True)
        staged_path.write_text(dump_record(record), encoding="utf-8")
        staged.append(Staged(number, slug, target, staged_path, existing is not None))
    if header is None and not problems:
        problems.append(SheetProblem(display, 0, "", "the sheet is empty",
                                     f"start from `isoko import --template {spec.kind}`"))
    return header, staged
