"""Validate a catalogue with our shapes and the official CPSV-AP shapes; report file:line problems."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import SH

from .catalogue import Catalogue
from .context import SourceContext
from .problems import Problem

FIXES = {
    "MinCountConstraintComponent": "add `{key}`",
    "MaxCountConstraintComponent": "keep a single `{key}`",
    "ClassConstraintComponent": "`{key}` must name an entity of the right kind that exists in the catalogue",
    "DatatypeConstraintComponent": "`{key}` has a value of the wrong type; see data/README.md",
    "NodeKindConstraintComponent": "`{key}` must be a URL or a `kind/slug` reference",
}


def shapes_graph(shapes_dir: Path) -> rdflib.Graph:
    """Our shapes and the official ones, merged: the build must satisfy both."""
    graph = rdflib.Graph()
    for path in sorted(shapes_dir.glob("*.ttl")) + sorted(shapes_dir.glob("official/*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def validate(data: rdflib.Graph, catalogue: Catalogue) -> list[Problem]:
    config = catalogue.config
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph(config.shapes_dir),
                                            inference="none", allow_warnings=True)
    if conforms:
        return []
    key_names = SourceContext(config.ontology_dir / "context.jsonld").key_names()
    problems = [_problem(results, result, catalogue, key_names)
                for result in results.subjects(rdflib.RDF.type, SH.ValidationResult)]
    return _deduplicate(problems)


def _deduplicate(problems: list[Problem]) -> list[Problem]:
    """Several shapes may flag the same value; keep one problem per place, ours first."""
    best: dict[tuple, Problem] = {}
    for problem in sorted(problems, key=lambda p: "`" not in p.message):
        where = (problem.file, problem.line, problem.focus, problem.path, problem.message.rpartition("(value: ")[2])
        best.setdefault(where, problem)
    return list(best.values())


def _problem(results: rdflib.Graph, result, catalogue: Catalogue, key_names: dict[str, str]) -> Problem:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    component = str(results.value(result, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1]
    messages = [str(m) for m in results.objects(result, SH.resultMessage)]
    key = key_names.get(str(path), results.namespace_manager.normalizeUri(path) if path else "")
    found = catalogue.entity_for(str(focus))
    if found:
        entity, relative = found
        node = entity.nodes.get(relative)
        line = (node.key_lines.get(key, node.line) if node else 0)
        file, focus_text = entity.file, relative
    else:
        file, line, focus_text = "ontology/", 0, str(focus)
    message = messages[0] if messages else component
    custom = any("`" in m for m in messages)
    if value is not None and focus != value:
        message += f" (value: {value})"
    fix = "" if custom else FIXES.get(component, "").format(key=key)
    return Problem(file, line, message, focus=focus_text, path=key, fix=fix)
