"""Long lists shown a page at a time: a kind's entities sorted by title, and a page of them.

At a million triples the catalogue has some 16,000 procedures; one page listing them all weighed
1.6 MB and took 4.5 s, most of it fetching 50,000 labels through the store. The sorted list comes
instead from the build's search index (its `entity` table has every entity's titles per language:
one SQLite read), is kept per (index file, kind, language) for the life of the process, since a
build never changes, and is cut into pages of PAGE_SIZE.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

from .labels import Label, sort_key
from .language import pick
from .search import connect

PAGE_SIZE = 100
KEPT_LISTS = 12  # (index, kind, language) lists kept in memory: 3 languages, a few kinds, 2 builds

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: Sequence[Item]
    number: int  # 1-based
    count: int  # pages in all (at least 1)
    total: int  # items in all

    @property
    def first(self) -> int:
        """The position (1-based) of the page's first item."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.items else 0


def page_of(items: Sequence[Item], number: int) -> Page[Item]:
    """Page `number` of items (clamped into range, so a stale link still shows something)."""
    count = max(1, -(-len(items) // PAGE_SIZE))
    number = min(max(1, number), count)
    return Page(items[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], number, count, len(items))


_lists: OrderedDict[tuple, list[tuple[str, Label]]] = OrderedDict()
_lock = threading.Lock()


def titles_by_kind(index_path: str, kind: str, language: str, order: tuple[str, ...]) -> list[tuple[str, Label]]:
    """(iri, title) of every entity of `kind`, in alphabetical order of the title in `language`
    (else the first of `order` it has). Raises search.SearchUnavailable when the build has no index."""
    key = (index_path, kind, language, order)
    with _lock:
        if key in _lists:
            _lists.move_to_end(key)
            return _lists[key]
    connection = connect(index_path)
    try:
        rows = connection.execute("SELECT iri, titles FROM entity WHERE kind = ?", (kind,)).fetchall()
    finally:
        connection.close()
    titled = []
    for iri, titles in rows:
        chosen = pick(json.loads(titles), language, (*order, ""))
        if chosen:
            titled.append((iri, Label(chosen[0], chosen[1], bool(chosen[1]) and chosen[1] != language)))
    titled.sort(key=lambda item: (sort_key(item[1]), item[0]))
    with _lock:
        _lists[key] = titled
        while len(_lists) > KEPT_LISTS:
            _lists.popitem(last=False)
    return titled

