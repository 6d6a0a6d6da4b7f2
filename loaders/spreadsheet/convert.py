"""Rows -> records: the header row, and each row as the YAML record of one source (import)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from .cells import ITEM_SEPARATOR, SEPARATOR, cell_text, is_blank, parse_amount, plain_number, split_values, unescape
from .problems import SheetProblem, column_letter
from .spec import Column, Group, SheetSpec

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Header:
    row: int
    positions: dict[int, Column]  # cell index -> column
    by_name: dict[str, int]  # column name -> cell index
    width: int


def read_header(spec: SheetSpec, number: int, cells: list, display: str) -> tuple[Header, list[SheetProblem]]:
    problems: list[SheetProblem] = []
    columns = {c.name: c for c in spec.columns}
    allowed = ", ".join(spec.names)
    positions: dict[int, Column] = {}
    by_name: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell_text(cell).lower()
        if not name:
            continue
        letter = column_letter(index)
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f"did you mean `{close[0]}`? " if close else ""
            problems.append(SheetProblem(display, number, letter, f"unknown column `{name}`",
                                         f"{hint}allowed columns: {allowed}"))
        elif name in by_name:
            problems.append(SheetProblem(display, number, letter,
                                         f"column `{name}` appears twice (also column {column_letter(by_name[name])})",
                                         "keep one of the two columns"))
        else:
            positions[index] = columns[name]
            by_name[name] = index
    if "slug" not in by_name and not problems:
        problems.append(SheetProblem(display, number, "", "no `slug` column",
                                     "add a column named `slug` with the file name of each entity "
                                     f"(e.g. ordinary-passport); allowed columns: {allowed}"))
    elif "slug" not in by_name:
        problems.append(SheetProblem(display, number, "", "no `slug` column",
                                     "add a column named `slug` with the file name of each entity (e.g. ordinary-passport)"))
    return Header(number, positions, by_name, len(cells)), problems


@dataclass
class RowContext:
    display: str
    row: int
    header: Header

    def problem(self, column: Column | None, message: str, fix: str = "") -> SheetProblem:
        letter = column_letter(self.header.by_name[column.name]) if column else ""
        prefix = f"{column.name}: " if column else ""
        return SheetProblem(self.display, self.row, letter, prefix + message, fix)


def convert_value(column: Column, value: object, where: RowContext, problems: list) -> object:
    """One value of a cell (a native cell value, or one piece of a split text) as a YAML value."""
    if column.datatype == "double":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return plain_number(value)
        number, why = parse_amount(cell_text(value))
        if why:
            problems.append(where.problem(column, why, "write the number with digits only, e.g. 20000 "
                                                       "(the currency goes in its own column)"))
        return number
    if isinstance(value, (dt.date, dt.datetime)) and not column.lang:
        date = value.date() if isinstance(value, dt.datetime) else value
        return date if not column.ref else date.isoformat()
    text = cell_text(value)
    if column.datatype == "date":
        try:
            if not ISO_DATE.match(text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            problems.append(where.problem(column, f'"{text}" is not a date written YYYY-MM-DD',
                                          "write e.g. 2026-11-26, or format the cell as a date"))
            return None
    if column.ref:
        if re.search(r"\s", text):
            problems.append(where.problem(
                column, f'"{text}" is not a reference: no spaces in `kind/slug`, codes or URLs',
                f"write e.g. institution/obr; separate several values with `{SEPARATOR}`"))
            return None
        return text
    if not column.lang and not column.datatype and ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)  # as YAML reads an unquoted date
        except ValueError:
            return text
    return text


def _cell_values(column: Column, cell, where: RowContext, problems: list):
    """The YAML value(s) of a top-level (not repeated) cell: one value, or a list for @set keys."""
    if column.many:
        pieces = split_values(cell_text(cell), SEPARATOR, keep_empty=False) if isinstance(cell, str) else [cell]
        values = [convert_value(column, piece, where, problems) for piece in pieces]
        return [v for v in values if v is not None] or None
    return convert_value(column, cell.strip() if isinstance(cell, str) else cell, where, problems)


def row_record(spec: SheetSpec, header: Header, cells: list, where: RowContext,
               problems: list[SheetProblem]) -> dict:
    """The source record of one row (without the slug), in column order."""
    record: dict = {}
    present = {col.name: cells[index] for index, col in header.positions.items()
               if index < len(cells) and not is_blank(cells[index])}
    for group in spec.groups:
        columns = [c for c in group.columns if c.name in present]
        if not columns:
            continue
        if group.repeated:
            items = _repeated_items(group, columns, present, where, problems)
            if items:
                record[group.key] = items
            continue
        target: dict = {}
        for column in columns:
            value = _cell_values(column, present[column.name], where, problems)
            if value is None:
                continue
            if group.block and column.lang:
                target.setdefault(column.sub, {})[column.lang] = value
            elif group.block:
                target[column.sub] = value
            elif column.lang:
                target[column.lang] = value
            else:
                target = value
        if target not in ({}, None):
            record[group.key] = target
    return record


def _repeated_items(group: Group, columns: list[Column], present: dict, where: RowContext,
                    problems: list[SheetProblem]) -> list[dict]:
    pieces: dict[str, list] = {}
    for column in columns:
        cell = present[column.name]
        pieces[column.name] = (split_values(cell, SEPARATOR, keep_empty=True, unescape=False)
                               if isinstance(cell, str) else [cell])
    first = columns[0]
    count = len(pieces[first.name])
    bad = False
    for column in columns[1:]:
        if len(pieces[column.name]) != count:
            problems.append(where.problem(
                column, f"{len(pieces[column.name])} value(s), but {first.name} has {count}",
                f"give one value per {group.key}, in the same order, separated by `{SEPARATOR}`; leave the "
                f"place empty (`a;;c`) for a {group.key} without this value; write `\\{SEPARATOR}` for a "
                f"`{SEPARATOR}` inside a text"))
            bad = True
    if bad:
        return []
    items: list[dict] = []
    for position in range(count):
        item: dict = {}
        for column in columns:
            piece = pieces[column.name][position]
            if is_blank(piece):
                continue
            if column.many:
                parts = split_values(piece, ITEM_SEPARATOR, keep_empty=False) if isinstance(piece, str) else [piece]
                value = [v for v in (convert_value(column, p, where, problems) for p in parts) if v is not None]
                value = value or None
            else:
                if isinstance(piece, str):
                    piece = unescape(piece)
                value = convert_value(column, piece, where, problems)
            if value is None:
                continue
            if column.lang:
                item.setdefault(column.sub, {})[column.lang] = value
            else:
                item[column.sub] = value
        if not item:
            ordinal = ordinal_number(position + 1)
            problems.append(where.problem(first, f"the {ordinal} {group.key} has no value in any {group.key}_ column",
                                          f"remove the extra `{SEPARATOR}`"))
            return []
        items.append(item)
    return items


def ordinal_number(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
