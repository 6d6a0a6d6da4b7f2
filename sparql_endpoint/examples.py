"""Example queries of sparql_endpoint/queries/: each .rq file starts with `# title:` and `# description:`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

QUERIES = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


@cache  # read once per process: the queries ship with the code
def examples(folder: Path = QUERIES) -> tuple[Example, ...]:
    found = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, _, value = line.lstrip("# ").partition(":")
            header[key.strip()] = value.strip()
        found.append(Example(path.stem, header.get("title", path.stem), header.get("description", ""), text))
    return tuple(found)
