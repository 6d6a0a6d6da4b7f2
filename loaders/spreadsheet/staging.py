"""The outcome of an import, its staged files, and moving the validated files into data/ (all or
none, under the build lock)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from isoko.config import Config


@dataclass
class ImportResult:
    rows: int = 0
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    problems: list = field(default_factory=list)  # SheetProblem, or Problem outside the sheet


@dataclass
class Staged:
    row: int
    slug: str
    target: Path  # in data/
    staged: Path  # in the validation copy
    existed: bool


def move_into_data(config: Config, staged: list[Staged], backup: Path, result: ImportResult) -> None:
    """Copy the validated files into data/, under the build lock; restore everything on failure."""
    from ..build import _lock

    done: list[tuple[Staged, Path | None]] = []
    with _lock(config.var_dir / ".build.lock"):
        try:
            for entry in staged:
                saved = None
                if entry.existed:
                    backup.mkdir(parents=True, exist_ok=True)
                    saved = backup / f"{entry.slug}{entry.target.suffix}"
                    shutil.copy2(entry.target, saved)
                entry.target.parent.mkdir(parents=True, exist_ok=True)
                temporary = entry.target.with_name(f".{entry.target.name}.import")
                shutil.copyfile(entry.staged, temporary)
                temporary.replace(entry.target)
                done.append((entry, saved))
                (result.updated if entry.existed else result.created).append(entry.target)
        except BaseException:
            for entry, saved in reversed(done):
                if saved is not None:
                    shutil.copyfile(saved, entry.target)
                else:
                    entry.target.unlink(missing_ok=True)
            for entry in staged:
                entry.target.with_name(f".{entry.target.name}.import").unlink(missing_ok=True)
            result.created, result.updated = [], []
            raise
