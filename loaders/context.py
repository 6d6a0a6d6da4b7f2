"""The JSON-LD context of ontology/context.jsonld, read as the list of keys a source may use.

The context is the single definition of the source format: a key is any term whose definition is
an object and whose name starts with a lowercase letter; type terms (Procedure, Institution...)
carry the keys of their kind in a type-scoped context, nested blocks (fee, address...) in a
property-scoped one. JSON-LD silently drops unknown keys, so `check` rejects them first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .problems import Problem

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class SourceContext:
    def __init__(self, path: Path):
        self.path = path
        self.document = json.loads(path.read_text(encoding="utf-8"))
        self.root = self.document["@context"]
        self.prefixes = {k: v for k, v in self.root.items() if isinstance(v, str) and not k.startswith("@")}
        self._keys_for_types: dict[tuple[str, ...], dict[str, dict]] = {}  # read-only once made
        self._keys_in_block: dict[int, tuple[dict, dict[str, dict]]] = {}

    def expand(self, name: str) -> str:
        prefix, _, local = name.partition(":")
        return self.prefixes[prefix] + local if local and prefix in self.prefixes else name

    @staticmethod
    def keys_of(context: dict) -> dict[str, dict]:
        return {k: v for k, v in context.items() if isinstance(v, dict) and k[:1].islower()}

    def keys_for_types(self, types: tuple[str, ...]) -> dict[str, dict]:
        if types not in self._keys_for_types:
            self._keys_for_types[types] = self._keys_for(types)
        return self._keys_for_types[types]

    def _keys_for(self, types: tuple[str, ...]) -> dict[str, dict]:
        keys = self.keys_of(self.root)
        for type_term in types:
            definition = self.root.get(type_term)
            if isinstance(definition, dict):
                keys.update(self.keys_of(definition.get("@context", {})))
        return keys

    def keys_in_block(self, definition: dict) -> dict[str, dict]:
        cached = self._keys_in_block.get(id(definition))
        if cached is None or cached[0] is not definition:
            cached = (definition, {**self.keys_of(self.root), **self.keys_of(definition.get("@context", {}))})
            self._keys_in_block[id(definition)] = cached
        return cached[1]

    def key_names(self) -> dict[str, str]:
        """Predicate IRI -> the source key that writes it (for error messages)."""
        names: dict[str, str] = {}

        def walk(context: dict) -> None:
            for term, definition in context.items():
                if not isinstance(definition, dict):
                    continue
                if term[:1].islower():
                    names.setdefault(self.expand(definition["@id"]), term)
                walk(definition.get("@context", {}))

        walk(self.root)
        return names


def check_value(key: str, definition: dict, value, line: int, file: str) -> list[Problem]:
    """Problems with the shape of one value, before JSON-LD would silently make nonsense of it."""
    container = definition.get("@container", [])
    container = [container] if isinstance(container, str) else container
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and "@set" not in container and "@language" not in container:
        return [Problem(file, line, f"`{key}` takes one value, not a list", fix=f"keep a single `{key}`")]
    if "@language" in container:
        if not isinstance(value, dict):
            return [Problem(file, line, f"`{key}` must give the text per language",
                            fix=f"write `{key}: {{fr: ..., en: ..., rn: ...}}`")]
        problems = []
        for lang, text in value.items():
            if not LANGUAGE_TAG.match(str(lang)):
                problems.append(Problem(file, line, f"`{key}`: `{lang}` is not a language code",
                                        fix="use rn (Kirundi), fr or en"))
            texts = text if isinstance(text, list) and "@set" in container else [text]
            if not all(isinstance(t, str) and t.strip() for t in texts):
                problems.append(Problem(file, line, f"`{key}.{lang}` must be non-empty text",
                                        fix="write the text, or remove the language"))
        return problems
    if "@context" in definition:
        if not all(isinstance(v, dict) for v in values):
            return [Problem(file, line, f"`{key}` must be a block of `key: value` lines",
                            fix=f"see the `{key}` example in data/README.md")]
        return []
    if definition.get("@type") == "@id" and not all(isinstance(v, str) and v.strip() for v in values):
        return [Problem(file, line, f"`{key}` must name other entities as `kind/slug` or give a URL",
                        fix=f"e.g. `{key}: institution/obr`")]
    if any(isinstance(v, (dict, list)) for v in values):
        return [Problem(file, line, f"`{key}` must be a single value", fix="see data/README.md")]
    return []
