"""Validation of the staged copy of data/, and each problem mapped back to `file:row:column`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from isoko.config import Config

from ..problems import Problem
from ..yaml_source import LineDict, LineList, read_yaml
from .convert import Header, ordinal_number
from .problems import SheetProblem, column_letter
from .spec import SheetSpec
from .staging import Staged


def validate_copy(config: Config, copy: Path, staged: list[Staged], spec: SheetSpec, header: Header,
                  display: str) -> list:
    from ..build import check_sources

    checked = dataclasses.replace(config, data_dir=copy)
    problems = check_sources(checked)
    if not problems:
        return []
    by_file = {s.staged.resolve(): s for s in staged}
    mapped: list = []
    elsewhere: list[Problem] = []
    line_maps: dict[Path, dict[int, tuple[str, int]]] = {}
    for problem in problems:
        path = Path(problem.file)
        path = (path if path.is_absolute() else config.root / path).resolve()
        entry = by_file.get(path)
        if entry is None:
            elsewhere.append(dataclasses.replace(problem, file=_original_path(problem.file, copy, config)))
            continue
        if path not in line_maps:
            line_maps[path] = _line_columns(spec, entry.staged)
        mapped.append(_sheet_problem(problem, entry, spec, header, line_maps[path], display))
    mapped.sort(key=lambda p: (p.row, len(p.column), p.column, p.message))
    if elsewhere:
        mapped.append(SheetProblem(display, 0, "", f"the catalogue has {len(elsewhere)} problem(s) outside this sheet",
                                   "fix them first (`isoko validate`): nothing is imported into a catalogue that does "
                                   "not validate"))
        mapped += elsewhere
    return mapped


def _original_path(file: str, copy: Path, config: Config) -> str:
    path = Path(file)
    path = (path if path.is_absolute() else config.root / path).resolve()
    try:
        relative = path.relative_to(copy.resolve())
    except ValueError:
        return file
    original = config.data_dir / relative
    try:
        return str(original.resolve().relative_to(config.root))
    except ValueError:
        return str(original)


def _line_columns(spec: SheetSpec, path: Path) -> dict[int, tuple[str, int]]:
    """Line of the staged YAML -> (column name, block number) written there."""
    record = read_yaml(path, str(path))
    lines: dict[int, tuple[str, int]] = {}
    for group in spec.groups:
        if group.key not in record:
            continue
        value = record[group.key]
        lines[record.key_lines[group.key]] = (group.columns[0].name, 0)
        items = value if isinstance(value, LineList) else [value]
        for number, item in enumerate(items, 1):
            if not isinstance(item, LineDict):
                continue
            for key, line in item.key_lines.items():
                column = next((c for c in group.columns if (c.lang == key if not group.block else c.sub == key)), None)
                if column:
                    lines[line] = (column.name, number if group.repeated else 0)
                inner = item[key]
                if isinstance(inner, LineDict):
                    for lang, lang_line in inner.key_lines.items():
                        column = next((c for c in group.columns if c.sub == key and c.lang == lang), None)
                        if column:
                            lines[lang_line] = (column.name, number if group.repeated else 0)
    return lines


LANGUAGE_HINTS = {"fr": ("French", "{fr:"), "en": ("English", "{en:"), "rn": ("Kirundi", "{rn:")}


def _sheet_problem(problem: Problem, entry: Staged, spec: SheetSpec, header: Header,
                   lines: dict[int, tuple[str, int]], display: str) -> SheetProblem:
    """A validation problem of a staged file, as `sheet:row:column`."""
    name, number = "", 0
    focus = problem.focus
    block = ""
    if "#" in focus:
        fragment = focus.split("#", 1)[1]
        block_name, _, position = fragment.rpartition("-")
        block = block_name.replace("-", "_")
        number = int(position) if position.isdigit() else 0
    group = spec.group(block or problem.path) if (block or problem.path) else None
    if group:
        field_name = problem.path if block else ""
        candidates = [c for c in group.columns if not block or c.sub == field_name] or group.columns
        hinted = [c for c in candidates if c.lang and any(h in problem.message for h in LANGUAGE_HINTS[c.lang])]
        name = (hinted or candidates)[0].name
        if not group.repeated:
            number = 0
    elif problem.line in lines:
        name, number = lines[problem.line]
    header_index = header.by_name.get(name) if name else None
    letter = column_letter(header_index) if header_index is not None else ""
    message = problem.message.replace(f"(value: {spec.id_base}", "(value: ")  # kind/slug, as in the sheet
    if number and group and group.repeated:
        message += f" ({ordinal_number(number)} {group.key})"
    prefix = f"{name}: " if name else ""
    fix = problem.fix
    if name and header_index is None:
        fix = (fix + "; " if fix else "") + f"add a column `{name}`"
    return SheetProblem(display, entry.row, letter, prefix + message, fix)
