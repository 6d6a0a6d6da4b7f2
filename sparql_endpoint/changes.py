"""What changed between two versions of an entity, property by property (from their N-Quads).

A change is named by its path from the entity: `(cv:hasCost,)` for a link added or removed,
`(cv:hasCost, cv:hasValue)` for a value inside the entity's `#fee-1` node. Values are compared
without their named graph (moving an entity to another graph changes its hash, not its fields).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Change:
    node: str  # the entity or one of its `#` nodes
    path: tuple[str, ...]  # predicate IRIs from the entity to the changed values
    removed: tuple[ox.Term, ...]
    added: tuple[ox.Term, ...]

    @property
    def property(self) -> str:
        return self.path[-1]


def parse(description: bytes) -> list[ox.Quad]:
    return list(ox.parse(description, format=ox.RdfFormat.N_QUADS)) if description else []


def _values(quads: list[ox.Quad]) -> dict[tuple[str, str], set[ox.Term]]:
    values: dict[tuple[str, str], set[ox.Term]] = {}
    for quad in quads:
        values.setdefault((quad.subject.value, quad.predicate.value), set()).add(quad.object)
    return values


def _links(entity: str, quads: list[ox.Quad]) -> dict[str, tuple[str, str]]:
    """`#` node -> (its owner: the entity or another of its nodes, the predicate that links it)."""
    return {q.object.value: (q.subject.value, q.predicate.value) for q in quads
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(entity + "#")}


def _path(node: str, predicate: str, links: dict[str, tuple[str, str]]) -> tuple[str, ...]:
    path, seen = [predicate], set()
    while node in links and node not in seen:
        seen.add(node)
        node, link = links[node]
        path.insert(0, link)
    return tuple(path)


def diff(entity: str, old: bytes, new: bytes) -> list[Change]:
    """The changes from description `old` to `new` (either may be empty: created or removed),
    in a stable order: the entity's own properties first, then its nodes'."""
    return diff_quads(entity, parse(old), parse(new))


def diff_quads(entity: str, old_quads: list[ox.Quad], new_quads: list[ox.Quad]) -> list[Change]:
    """`diff` of descriptions already parsed."""
    before, after = _values(old_quads), _values(new_quads)
    links = {**_links(entity, old_quads), **_links(entity, new_quads)}
    changes = []
    for node, predicate in sorted(before.keys() | after.keys(), key=lambda k: (k[0] != entity, k)):
        removed = before.get((node, predicate), set()) - after.get((node, predicate), set())
        added = after.get((node, predicate), set()) - before.get((node, predicate), set())
        if removed or added:
            changes.append(Change(node, _path(node, predicate, links),
                                  tuple(sorted(removed, key=str)), tuple(sorted(added, key=str))))
    return changes


def changed_properties(entity: str, old: bytes, new: bytes) -> set[str]:
    """The entity's own properties whose values changed, a `#` node's change counting as a change
    of the property that links it (a fee amount: cv:hasCost)."""
    return {change.path[0] for change in diff(entity, old, new)}
