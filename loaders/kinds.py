"""The kinds of entity a source file can describe: folder name, JSON-LD type terms, named graph."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # folder in data/ and path segment in /id/{kind}/{slug}
    types: tuple[str, ...]  # type terms of ontology/context.jsonld
    graph: str  # named graph, relative to {base}graph/; "" = the graph of its competent institution


KINDS = {kind.name: kind for kind in (
    Kind("procedure", ("Procedure",), ""),
    Kind("institution", ("Institution",), "directory"),
    Kind("office", ("Office",), "directory"),
    Kind("place", ("Place", "skos:Concept"), "directory"),
    Kind("document", ("Document",), "reference"),
    Kind("law", ("Law",), "reference"),
    Kind("term", ("Term",), "reference"),
    Kind("faq", ("Question",), "reference"),
    Kind("theme", (), "ontology"),
    Kind("event", (), "ontology"),
)}
SOURCE_KINDS = tuple(name for name, kind in KINDS.items() if kind.types)  # themes/events live in ontology/
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """A slug made of `text`: "Mpinga-Kayove" -> "mpinga-kayove", "Karusi (commune)" -> "karusi-commune"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))

# Nested blocks are nodes of their own; JSON-LD cannot type them from the key, so we do.
BLOCK_TYPES = {
    "fee": "cv:Cost",
    "conditions": "cv:Requirement",
    "address": "locn:Address",
    "contact": "cv:ContactPoint",
    "answer": "schema:Answer",
}
