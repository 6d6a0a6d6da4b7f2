"""Web forms of the back office, generated from the source model, and their checks.

A form is a one-row spreadsheet: its fields are the columns that loaders/spreadsheet derives from
ontology/context.jsonld and the shapes (`title_fr`, `fee_amount`, `requires`...), a repeated block
(fees, conditions, contacts) gets one set of fields per item plus an empty one to add another, and
a submitted form becomes the cells of that row. So the form is converted, merged with the source
and validated exactly as an import is: written into a copy of data/ and checked with every shape of
the build, each problem mapped back to its field.

On top of the shapes, the catalogue's rule for facts: a fee needs its own date and source, and a
changed processing time or legal basis needs the address of the source that says so
(`change_source`, added to the record's sources with today's check date).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from isoko.config import Config
from loaders.spreadsheet.cells import ITEM_SEPARATOR, SEPARATOR, cell_text, escape, split_values
from loaders.spreadsheet.convert import RowContext, read_header, row_record
from loaders.spreadsheet.exporter import record_cells
from loaders.spreadsheet.importer import dump_record
from loaders.spreadsheet.problems import column_letter
from loaders.spreadsheet.spec import Column, Group, SheetSpec, sheet_spec
from loaders.spreadsheet.staging import Staged
from loaders.spreadsheet.update import merge_record
from loaders.spreadsheet.validate import validate_copy

SOURCED = ("processing_time", "legal_basis")  # changing these needs a source for the change
GENERAL = ""  # the key of problems that belong to no field


@dataclass
class Field:
    name: str  # the form input's name: the column, and `__N` for the Nth item of a repeated block
    column: Column
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class FieldGroup:
    key: str
    repeated: bool
    items: list[list[Field]]  # one list of fields per block item (one item when not repeated)


def form_spec(config: Config, kind: str) -> SheetSpec:
    return sheet_spec(config, kind)


def fields(spec: SheetSpec, record: dict, errors: dict[str, list[str]] | None = None,
           values: dict[str, str] | None = None) -> list[FieldGroup]:
    """The form of `record` (or, after a failed save, of the submitted `values`), with errors."""
    cells, _ = record_cells(spec, record)
    errors = errors or {}
    groups = []
    for group in spec.groups:
        if group.repeated:
            per_column = {c.name: split_values(cell_text(cells.get(c.name, "")), SEPARATOR, keep_empty=True)
                          for c in group.columns}
            count = max((len(v) for v in per_column.values() if v != [""]), default=0)
            if values is not None:
                count = max([int(k.rsplit("__", 1)[1]) + 1 for k in values if k.rsplit("__", 1)[0] in per_column
                             and "__" in k] + [0])
            items = [[_field(f"{c.name}__{n}", c, (per_column[c.name] + [""] * count)[n], values, errors)
                      for c in group.columns] for n in range(count + (0 if values is not None else 1))]
            groups.append(FieldGroup(group.key, True, items))
        else:
            groups.append(FieldGroup(group.key, False, [[_field(c.name, c, cell_text(cells.get(c.name, "")), values,
                                                                errors) for c in group.columns]]))
    return groups


def _field(name: str, column: Column, value: str, values: dict[str, str] | None,
           errors: dict[str, list[str]]) -> Field:
    """A field; a list (sources, documents...) is shown one value per line."""
    if values is not None:
        shown = values.get(name, "")
    elif column.many:
        separator = ITEM_SEPARATOR if "__" in name else SEPARATOR
        shown = "\n".join(split_values(value, separator, keep_empty=False))
    else:
        shown = value
    return Field(name, column, shown, errors.get(name, []) + errors.get(name.split("__")[0], []))


def cells_from_form(spec: SheetSpec, form: dict[str, str]) -> list[str]:
    """The row of cells (in the spec's column order) that the submitted form stands for."""
    cells = []
    for group in spec.groups:
        for column in group.columns:
            if group.repeated:
                numbers = sorted({int(k.rsplit("__", 1)[1]) for k in form if "__" in k
                                  and k.rsplit("__", 1)[0] in {c.name for c in group.columns}
                                  and k.rsplit("__", 1)[1].isdigit()})
                filled = [n for n in numbers if any(form.get(f"{c.name}__{n}", "").strip() for c in group.columns)]
                pieces = [_piece(form.get(f"{column.name}__{n}", ""), column) for n in filled]
                cells.append("; ".join(pieces) if any(pieces) else "")
            else:
                cells.append(_lines_as_cell(form.get(column.name, ""), column))
    return cells


def _lines_as_cell(text: str, column: Column) -> str:
    """A list field is one value per line."""
    if column.many:
        return "; ".join(escape(line.strip(), ";") for line in text.splitlines() if line.strip())
    return text.strip()


def _piece(text: str, column: Column) -> str:
    text = text.strip()
    if column.many:
        return ITEM_SEPARATOR.join(escape(line.strip()) for line in text.splitlines() if line.strip())
    return escape(text, ";")


def check(config: Config, kind: str, slug: str, form: dict[str, str], old: dict | None,
          published: dict | None) -> tuple[dict | None, dict[str, list[str]]]:
    """The record the form makes (merged with `old`), and the problems by field name (GENERAL:
    not tied to a field); a record only when there is no problem."""
    spec = form_spec(config, kind)
    names = [c.name for c in spec.columns]
    header, _ = read_header(spec, 1, names, "form")
    where = RowContext("form", 2, header)
    problems: list = []
    cells = [slug] + cells_from_form(spec, form)  # spec.columns: the slug, then every group's
    record = row_record(spec, header, cells, where, problems)
    if old is not None and not problems:
        record = merge_record(spec, header, slug, old, record, where, problems)
    errors: dict[str, list[str]] = {}
    letters = {column_letter(i): name for i, name in enumerate(names)}
    for problem in problems:
        errors.setdefault(letters.get(problem.column, GENERAL), []).append(_text(problem))
    if record is None or errors:
        return None, errors
    _rules(record, published, form, errors)
    if errors:
        return None, errors
    for problem in _validate(config, kind, slug, record, spec, header, old is not None):
        name = letters.get(getattr(problem, "column", ""), GENERAL)
        errors.setdefault(name, []).append(_text(problem))
    return (record, {}) if not errors else (None, errors)


def _text(problem) -> str:
    message = getattr(problem, "message", str(problem))
    fix = getattr(problem, "fix", "")
    return f"{message}{' — ' + fix if fix else ''}"


def _rules(record: dict, published: dict | None, form: dict[str, str], errors: dict[str, list[str]]) -> None:
    """Nothing unsourced: a new or changed fee with its date and source; a sourced change of time
    or legal basis. (Published fees left as they are stay as they are.)"""
    published = published or {}
    unchanged = [fee for fee in published.get("fee") or [] if isinstance(fee, dict)]
    for number, fee in enumerate(record.get("fee") or []):
        if (isinstance(fee, dict) and "amount" in fee and fee not in unchanged
                and not (fee.get("date") and fee.get("source"))):
            errors.setdefault(f"fee_source__{number}", []).append(
                "a fee needs the date it was set or reported and the source that states it")
    changed = [key for key in SOURCED if record.get(key) != published.get(key) and record.get(key)]
    source = form.get("change_source", "").strip()
    if changed and not source.startswith(("http://", "https://")):
        errors.setdefault("change_source", []).append(
            f"{' and '.join(changed)} changed: give the web address of the source that states the new value")
    elif changed:
        sources = list(record.get("source") or [])
        record["source"] = sources + ([source] if source not in sources else [])
        record["checked"] = dt.date.today()


def _validate(config: Config, kind: str, slug: str, record: dict, spec: SheetSpec, header, existed: bool) -> list:
    """The build's validation of data/ with `record` as the entity's source (in a copy)."""
    with tempfile.TemporaryDirectory(prefix="isoko-form-") as folder:
        copy = Path(folder) / "data"
        shutil.copytree(config.data_dir, copy, ignore=shutil.ignore_patterns(".*"))
        staged = copy / kind / f"{slug}.yaml"
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(dump_record(record), encoding="utf-8")
        entry = Staged(2, slug, config.data_dir / kind / f"{slug}.yaml", staged, existed)
        return validate_copy(config, copy, [entry], spec, header, "form")


def as_yaml(record: dict) -> str:
    return dump_record(record)


def from_yaml(text: str) -> dict:
    return yaml.safe_load(text) or {}
