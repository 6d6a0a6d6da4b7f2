"""Read a YAML source file into dicts and lists that remember the line of every key and item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from .problems import Problem, ProblemsFound


class LineDict(dict):
    """A mapping from YAML with `line` (its own) and `key_lines` (line of each key), 1-based."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A sequence from YAML with `line` and `item_lines` (line of each item), 1-based."""

    line: int = 0
    item_lines: list


# libyaml's parser (PyYAML's C extension) when it is there: the same nodes, with the same marks,
# about 8x faster than the pure-Python one; the constructors below are Python either way.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    def resolve(self, kind, value, implicit):
        """Resolver.resolve without path resolvers (this loader has none): called for every node,
        ~2 s of CPU at 1M triples, half as much so."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node, current_index):
        pass  # only path resolvers need the path

    def ascend_resolver(self):
        pass


_WILDCARD = _Loader.yaml_implicit_resolvers.get(None, [])
_IMPLICIT = {first: resolvers + _WILDCARD for first, resolvers in _Loader.yaml_implicit_resolvers.items()
             if first is not None}
assert not _Loader.yaml_path_resolvers


STR_TAG = "tag:yaml.org,2002:str"


def _construct(loader: _Loader, node: yaml.Node):
    """loader.construct_object, without its bookkeeping for text scalars (most nodes), which it
    would turn into their own value anyway."""
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} must be text (put it in quotes)", key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"key `{key}` appears twice in the same block; keep one", key_node.start_mark)
        result[key] = _construct(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(_construct(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as err:  # e.g. 2026-13-45: a date-like text that is no date
        raise yaml.constructor.ConstructorError(
            None, None, f"`{node.value}` is not a valid date ({err})", node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, display: str) -> LineDict:
    """Parse one entity file; raise ProblemsFound with file and line for anything unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ProblemsFound([Problem(display, 0, f"not UTF-8 text ({err.reason} at byte {err.start})",
                                     fix="save the file as UTF-8")]) from None
    try:
        record = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(str(part) for part in (err.context, err.problem) if part)
        fix = "check indentation, colons and quotes on this line"
        if "flow" in what:
            fix = "inside [ ] lists put each URL in quotes, or write one `- item` per line"
        raise ProblemsFound([Problem(display, line, f"YAML syntax error: {what}", fix=fix)]) from None
    except yaml.YAMLError as err:
        raise ProblemsFound([Problem(display, 0, f"YAML error: {err}")]) from None
    if not isinstance(record, LineDict):
        raise ProblemsFound([Problem(display, 1, "the file must hold one entity as `key: value` lines",
                                     fix="start with `title:` or `name:`, see data/README.md")])
    return record


XSD = "http://www.w3.org/2001/XMLSchema#"


def plain(value):
    """YAML values as JSON-LD values: a YAML date becomes an xsd:date (xsd:dateTime) literal."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"@value": value.isoformat(), "@type": XSD + "dateTime"}
    if isinstance(value, dt.date):
        return {"@value": value.isoformat(), "@type": XSD + "date"}
    return value
