"""A problem found in the sources, reported as `file:line: focus, path: message` plus a fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    focus: str = ""
    path: str = ""
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = ", ".join(part for part in (self.focus, self.path) if part)
        text = f"{where}: {subject + ': ' if subject else ''}{self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


class ProblemsFound(Exception):
    """Raised when sources cannot be built; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.message))
        super().__init__(f"{len(self.problems)} problem(s) in the sources")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)
