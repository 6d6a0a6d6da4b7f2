"""`--update`: the values of an existing source merged with the columns of its row."""

from __future__ import annotations

from .convert import Header, RowContext
from .exporter import group_cells_of
from .problems import SheetProblem
from .spec import SheetSpec


def merge_record(spec: SheetSpec, header: Header, slug: str, old: dict, new: dict, where: RowContext,
                 problems: list[SheetProblem]) -> dict | None:
    """--update: the columns of the sheet replace their values (empty cells remove them); the keys
    whose columns are not in the sheet are kept. A block is replaced whole, so it must not hold
    what the sheet cannot express or leaves out."""
    merged = dict(old)
    for group in spec.groups:
        columns = [c for c in group.columns if c.name in header.by_name]
        if not columns:
            continue
        if group.block:
            if group.key in old:
                old_cells, lost = group_cells_of(group, old[group.key])
                missing = [name for name in old_cells if name not in header.by_name]
                if lost or missing:
                    what = ", ".join(lost) if lost else "the columns " + ", ".join(missing)
                    problems.append(where.problem(
                        columns[0], f"cannot update `{group.key}` of {spec.kind}/{slug}: it holds "
                        f"{what}, which this sheet does not give",
                        (f"add the columns {', '.join(missing)}" if missing and not lost
                         else f"edit the YAML file in data/{spec.kind}/ instead")))
                    return None
            if group.key in new:
                merged[group.key] = new[group.key]
            else:
                merged.pop(group.key, None)
            continue
        if any(c.lang for c in columns):
            texts = dict(old.get(group.key) or {}) if isinstance(old.get(group.key), dict) else {}
            for column in columns:
                value = (new.get(group.key) or {}).get(column.lang)
                if value is None:
                    texts.pop(column.lang, None)
                else:
                    texts[column.lang] = value
            if texts:
                merged[group.key] = texts
            else:
                merged.pop(group.key, None)
        elif group.key in new:
            merged[group.key] = new[group.key]
        else:
            merged.pop(group.key, None)
    return merged
