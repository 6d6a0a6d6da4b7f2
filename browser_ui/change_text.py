"""Changes between two versions as sentences in the reader's language ("Cost: 200,000 BIF → 235,000 BIF").

Used by the history pages, the Atom feeds and `isoko diff`/`isoko history`. Property and value
names are the catalogue's labels (ontology labels for properties) in the reader's language.
A change inside a fee is shown as the whole fee before and after (amount and currency); texts
given in several languages show the reader's language when it changed.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import has_request_context
from flask_babel import gettext

from isoko.namespaces import PREFIXES
from sparql_endpoint.changes import Change, diff_quads, parse
from sparql_endpoint.store import Store

from .formatting import format_amount
from .labels import Label, fetch_labels, local_name

COST = PREFIXES["cv"] + "Cost"
NUMBERS = {PREFIXES["xsd"] + name for name in ("double", "decimal", "integer", "float")}
MAX_TEXT = 160


def _(text: str, **values) -> str:
    """The interface string in the reader's language (English outside a request: the CLI)."""
    return gettext(text, **values) if has_request_context() else (text % values if values else text)


def describe(store: Store, entity: str, old: bytes, new: bytes, language: str,
             languages: tuple[str, ...]) -> list[str]:
    """One sentence per changed field, from description `old` to `new`."""
    old_quads, new_quads = parse(old), parse(new)
    changes = diff_quads(entity, old_quads, new_quads)
    iris = {p for change in changes for p in change.path}
    iris |= {t.value for change in changes for t in (*change.removed, *change.added) if isinstance(t, ox.NamedNode)}
    labels = fetch_labels(store, iris, language, languages)
    lines, shown_nodes = [], set()
    for change in changes:
        if change.node != entity and _is_cost(change.node, old_quads, new_quads):
            if change.node not in shown_nodes:
                shown_nodes.add(change.node)
                before, after = _cost(change.node, old_quads, language), _cost(change.node, new_quads, language)
                lines.append(_sentence(_name(change.path[0], labels), [before] if before else [],
                                       [after] if after else []))
            continue
        if change.node != entity and (change.node in shown_nodes or _is_link_change(change, changes)):
            continue
        removed, added = _in_language(change.removed, language), _in_language(change.added, language)
        if not removed and not added:
            continue
        path = " › ".join(_name(p, labels) for p in change.path)
        lines.append(_sentence(path, [_value(t, labels, language) for t in removed],
                               [_value(t, labels, language) for t in added]))
    return lines


def _sentence(path: str, removed: list[str], added: list[str]) -> str:
    if removed and added:
        return f"{path}: {', '.join(removed)} → {', '.join(added)}"
    if added:
        return _("%(field)s: added %(values)s", field=path, values=", ".join(added))
    return _("%(field)s: removed %(values)s", field=path, values=", ".join(removed))


def _is_link_change(change: Change, changes: list[Change]) -> bool:
    """A `#` node added or removed whole is shown by the link to it, not field by field."""
    return any(other.path == change.path[:1] and any(t.value == change.node for t in (*other.removed, *other.added))
               for other in changes if other.node != change.node)


def _is_cost(node: str, *descriptions: list[ox.Quad]) -> bool:
    return any(q.subject.value == node and q.object == ox.NamedNode(COST) for quads in descriptions for q in quads)


def _cost(node: str, quads: list[ox.Quad], language: str) -> str:
    amount = next((q.object.value for q in quads if q.subject.value == node and q.predicate.value.endswith("hasValue")), None)
    currency = next((local_name(q.object.value) for q in quads
                     if q.subject.value == node and q.predicate.value.endswith("currency")), "")
    return f"{format_amount(amount, language)} {currency}".strip() if amount is not None else ""


def _in_language(terms: tuple[ox.Term, ...], language: str) -> list[ox.Term]:
    """Texts in the reader's language when some are; every value otherwise."""
    tagged = [t for t in terms if isinstance(t, ox.Literal) and t.language == language]
    if tagged:
        return tagged + [t for t in terms if not (isinstance(t, ox.Literal) and t.language)]
    return list(terms)


def _name(iri: str, labels: dict[str, Label]) -> str:
    label = labels.get(iri)
    return label.text if label else local_name(iri)


def _value(term: ox.Term, labels: dict[str, Label], language: str) -> str:
    if isinstance(term, ox.NamedNode):
        if "#" in term.value and term.value.split("#", 1)[0] in labels:
            return local_name(term.value)
        return _name(term.value, labels)
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMBERS:
            return format_amount(term.value, language)
        text = term.value if len(term.value) <= MAX_TEXT else term.value[:MAX_TEXT - 1] + "…"
        return f"“{text}”" + (f" ({term.language})" if term.language and term.language != language else "")
    return str(term)
