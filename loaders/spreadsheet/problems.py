"""Problems in a sheet, reported as `file:row:column: message` plus a fix, and column letters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetProblem:
    """A problem in a sheet, reported as `file:row:column: message` plus a fix."""

    file: str
    row: int = 0
    column: str = ""  # a column letter (A, B, ..., AA)
    message: str = ""
    fix: str = ""

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row else "") + (f":{self.column}" if self.column and self.row else "")
        return f"{where}: {self.message}" + (f"\n    fix: {self.fix}" if self.fix else "")


class SheetError(Exception):
    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
