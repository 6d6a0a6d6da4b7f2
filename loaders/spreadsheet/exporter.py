"""Records -> rows: the cells of each source of data/ (and what a sheet cannot express), and
`export`, which writes them to a sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import yaml

from isoko.config import Config

from .cells import cell_text, escape
from .files import write_sheet
from .spec import Column, Group, SheetSpec, sheet_spec


def record_cells(spec: SheetSpec, record: dict) -> tuple[dict[str, object], list[str]]:
    """The cells of one record (column name -> value) and what the sheet cannot express."""
    cells: dict[str, object] = {}
    lost: list[str] = []
    known = {g.key for g in spec.groups}
    for key in record:
        if key not in known:
            lost.append(key)
    for group in spec.groups:
        if group.key in record:
            group_cells, group_lost = group_cells_of(group, record[group.key])
            cells.update(group_cells)
            lost += group_lost
    return cells, lost


def group_cells_of(group: Group, value: object) -> tuple[dict[str, object], list[str]]:
    cells: dict[str, object] = {}
    lost: list[str] = []
    if group.repeated:
        items = value if isinstance(value, list) else [value]
        by_field = {c.sub for c in group.columns}
        for item in items:
            if not isinstance(item, dict):
                lost.append(group.key)
                continue
            lost += [f"{group.key}.{k}" for k in item if k not in by_field]
            for k, v in item.items():
                if k in by_field and isinstance(v, dict):
                    langs = {c.lang for c in group.columns if c.sub == k}
                    lost += [f"{group.key}.{k}.{lang}" for lang in v if lang not in langs]
        for column in group.columns:
            values = [_item_field(item, column) if isinstance(item, dict) else None for item in items]
            if all(v is None for v in values):
                continue
            if len(values) == 1:
                cells[column.name] = values[0]  # a number or a date keeps its type (a cell of its own)
            else:
                cells[column.name] = "; ".join(cell_text(v) for v in values)  # pieces already escaped
        return cells, sorted(set(lost))
    if group.block:
        if not isinstance(value, dict):
            return {}, [group.key]
        subs = {c.sub for c in group.columns}
        lost += [f"{group.key}.{k}" for k in value if k not in subs]
        for sub in subs:
            langs = {c.lang for c in group.columns if c.sub == sub}
            if "" not in langs and isinstance(value.get(sub), dict):
                lost += [f"{group.key}.{sub}.{lang}" for lang in value[sub] if lang not in langs]
        for column in group.columns:
            cells.update(_leaf_cells(column, value.get(column.sub), lost, f"{group.key}.{column.sub}"))
        return {k: v for k, v in cells.items() if v is not None}, lost
    if any(c.lang for c in group.columns):
        if isinstance(value, dict):
            lost += [f"{group.key}.{lang}" for lang in value if lang not in {c.lang for c in group.columns}]
    for column in group.columns:
        cells.update(_leaf_cells(column, value, lost, group.key))
    return {k: v for k, v in cells.items() if v is not None}, lost


def _leaf_cells(column: Column, value, lost: list[str], where: str) -> dict[str, object]:
    if value is None:
        return {}
    if column.lang:
        if not isinstance(value, dict):
            if where not in lost:
                lost.append(where)
            return {}
        text = value.get(column.lang)
        if text is None:
            return {}
        return {column.name: _join(text) if column.many else text}
    if column.many:
        return {column.name: _join(value)}
    if isinstance(value, (list, dict)):
        lost.append(where)
        return {}
    return {column.name: value}


def _join(value) -> str:
    values = value if isinstance(value, list) else [value]
    return "; ".join(escape(cell_text(v)) for v in values)


def _item_field(item: dict, column: Column):
    value = item.get(column.sub)
    if value is None:
        return None
    if column.lang:
        if not isinstance(value, dict) or value.get(column.lang) is None:
            return None
        value = value[column.lang]
    if column.many:
        values = value if isinstance(value, list) else [value]
        return " | ".join(escape(cell_text(v)) for v in values)
    return escape(value) if isinstance(value, str) else value


def source_paths(config: Config, kind: str) -> list[Path]:
    return sorted((config.data_dir / kind).glob("*.y*ml"))


def export_rows(config: Config, spec: SheetSpec) -> Iterator[tuple[str, list, list[str]]]:
    """(slug, row, what the sheet cannot express) for each source of the kind, by slug."""
    names = spec.names
    for path in source_paths(config, spec.kind):
        record = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cells, lost = record_cells(spec, record)
        cells["slug"] = path.stem
        yield path.stem, [cells.get(name) for name in names], lost


def export(config: Config, kind: str, out: Path) -> tuple[int, dict[str, list[str]]]:
    """Write every source of `kind` to a sheet; returns the count and, per slug, what was left out."""
    spec = sheet_spec(config, kind)
    lost: dict[str, list[str]] = {}
    count = 0

    def rows():
        nonlocal count
        for slug, row, left_out in export_rows(config, spec):
            count += 1
            if left_out:
                lost[slug] = left_out
            yield row

    write_sheet(out, spec.names, rows(), title=kind)
    return count, lost
