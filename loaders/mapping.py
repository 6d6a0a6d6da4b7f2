"""Turn one YAML record into a JSON-LD document (with ids for nested blocks) and a line map.

No triples are written here: the JSON-LD context in ontology/ does the mapping when the document
is parsed. This step only checks the keys and value shapes against that context, gives every
nested block (a fee, an address) an IRI of its own, and remembers where each key was written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .context import SourceContext, check_value
from .kinds import BLOCK_TYPES, Kind
from .problems import Problem
from .yaml_source import LineDict, plain

RESERVED = {"identifier": "the identifier is the file name; rename the file instead"}


@dataclass
class NodeLines:
    line: int
    key_lines: dict[str, int]


@dataclass
class Entity:
    kind: Kind
    slug: str
    file: str
    document: dict
    nodes: dict[str, NodeLines] = field(default_factory=dict)  # relative IRI -> lines

    @property
    def ref(self) -> str:
        return f"{self.kind.name}/{self.slug}"

    def authority_slug(self) -> str | None:
        authority = self.document.get("authority")
        first = authority[0] if isinstance(authority, list) and authority else authority
        if isinstance(first, str) and first.startswith("institution/"):
            return first.removeprefix("institution/")
        return None


def map_record(kind: Kind, slug: str, record: LineDict, file: str,
               context: SourceContext) -> tuple[Entity, list[Problem]]:
    entity = Entity(kind, slug, file, {})
    problems: list[Problem] = []
    body = _convert(record, context.keys_for_types(kind.types), entity.ref, slug, entity, context, problems)
    entity.document = {"@context": context.root, "@id": entity.ref, "@type": list(kind.types),
                       "identifier": slug, **body}
    return entity, problems


def _convert(record: LineDict, keys: dict, node_id: str, node_slug: str, entity: Entity,
             context: SourceContext, problems: list[Problem]) -> dict:
    entity.nodes[node_id] = NodeLines(record.line, dict(record.key_lines))
    out: dict = {}
    for key, value in record.items():
        line = record.key_lines.get(key, record.line)
        if key in RESERVED:
            problems.append(Problem(entity.file, line, f"`{key}` cannot be set", fix=RESERVED[key]))
            continue
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f"did you mean `{close[0]}`? " if close else ""
            problems.append(Problem(entity.file, line, f"unknown key `{key}`",
                                    fix=f"{hint}allowed here: {', '.join(sorted(keys))}"))
            continue
        if value is None or value == [] or value == {}:
            problems.append(Problem(entity.file, line, f"`{key}` is empty",
                                    fix="give a value or remove the line"))
            continue
        definition = keys[key]
        shape_problems = check_value(key, definition, value, line, entity.file)
        problems.extend(shape_problems)
        if shape_problems:
            continue
        if "@context" in definition:
            items = value if isinstance(value, list) else [value]
            block_keys = context.keys_in_block(definition)
            out[key] = []
            for number, item in enumerate(items, 1):
                child_slug = f"{node_slug}-{key.replace('_', '-')}-{number}"
                child_id = f"{entity.ref}#{child_slug.removeprefix(entity.slug + '-')}"
                child = _convert(item, block_keys, child_id, child_slug, entity, context, problems)
                out[key].append({"@id": child_id, "@type": BLOCK_TYPES[key], "identifier": child_slug, **child})
        else:
            out[key] = plain(value)
    return out
