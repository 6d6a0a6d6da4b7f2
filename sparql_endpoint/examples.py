"""Example queries of sparql_endpoint/queries/: each .rq file starts with `# title:` and `# description:`
(English) and `# title_fr:` and `# description_fr:`: what the query answers, for an analyst who does
not read SPARQL."""

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
    title_fr: str = ""
    description_fr: str = ""

    def title_in(self, language: str) -> str:
        """French for French and Kirundi readers (Kirundi falls back to French), English otherwise."""
        return (self.title_fr if language in ("fr", "rn") else "") or self.title

    def description_in(self, language: str) -> str:
        return (self.description_fr if language in ("fr", "rn") else "") or self.description

    @property
    def body(self) -> str:
        """The query without its header comments (what the form's links carry)."""
        lines = self.query.splitlines()
        return "\n".join(lines[next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines)):])


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
        found.append(Example(path.stem, header.get("title", path.stem), header.get("description", ""), text,
                             header.get("title_fr", ""), header.get("description_fr", "")))
    return tuple(found)
