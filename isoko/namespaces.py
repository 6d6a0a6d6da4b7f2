"""Namespace prefixes, declared once in ontology/context.jsonld and reused for output everywhere."""

from __future__ import annotations

import json

from .config import ROOT


def _load() -> dict[str, str]:
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    prefixes = {k: v for k, v in context.items()
                if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#"))}
    prefixes["rdf"] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    return prefixes


PREFIXES: dict[str, str] = _load()
