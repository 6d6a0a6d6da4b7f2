"""Quality warnings of a build: shapes/quality/*.ttl (sh:severity sh:Warning) run in the index stage.

A build only succeeds with zero SHACL violations (loaders/validation.py); these shapes report what a
valid procedure still lacks (fee, processing time, legal basis, office, Kirundi title). The result
is written once into the build folder as `quality.json` (never into the store, so the dumps and the
triple counts do not change); the data-quality dashboard reads it next to the served build:

    {"format": 1, "shapes": ["shapes/quality/warnings.ttl"], "violations": 0,
     "warnings": [{"focus": IRI, "fact": "fee", "path": IRI, "message": "...", "file": "data/..."}],
     "counts": {"fee": n, ...}}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Callable

import rdflib
from rdflib.namespace import SH

from isoko.config import Config

from .geography import disagreements_json
from sparql_endpoint.store import Store

from .shape_queries import Unsupported, compile_shapes, findings

FORMAT = 1
FILE_NAME = "quality.json"
# The fact each warning is about, by the path of the property shape that raised it.
FACTS = {
    "http://data.europa.eu/m8g/hasCost": "fee",
    "http://data.europa.eu/m8g/processingTime": "time",
    "http://data.europa.eu/m8g/hasLegalResource": "legal_basis",
    "http://data.europa.eu/m8g/hasChannel": "office",
    "http://purl.org/dc/terms/title": "title_rn",
}
PROCEDURE = "http://purl.org/vocab/cpsv#PublicService"
PROCEDURE_TRIPLES = f"""CONSTRUCT {{ ?p ?property ?o }} WHERE {{ ?p a <{PROCEDURE}> ; ?property ?o }}"""


def quality_shapes(config: Config) -> list[Path]:
    return sorted((config.shapes_dir / "quality").glob("*.ttl"))


def quality_warnings(store: Store, config: Config, entity_file: Callable[[str], str] | None = None,
                     engine: str = "sparql") -> dict:
    """Run the quality shapes over the procedures of `store`; the content of quality.json.

    `engine`: "sparql" compiles the shapes to queries over the store (loaders/shape_queries.py;
    pyshacl when they use something it does not translate), "pyshacl" is the reference."""
    paths = quality_shapes(config)
    shapes = rdflib.Graph()
    for path in paths:
        shapes.parse(path, format="turtle")
    try:
        found = _sparql(store, shapes) if engine == "sparql" else None
    except Unsupported:
        found = None
    if found is None:
        found = _pyshacl(store, shapes)
    warnings = [{"focus": focus, "fact": FACTS.get(path, path), "path": path, "message": message,
                 "file": entity_file(focus) if entity_file else ""} for focus, path, message in found]
    return _report(config, paths, warnings)


def _report(config: Config, paths: list[Path], warnings: list[dict]) -> dict:
    warnings.sort(key=lambda w: (w["focus"], w["fact"]))
    return {"format": FORMAT, "shapes": [str(p.relative_to(config.root)) for p in paths], "violations": 0,
            "warnings": warnings, "counts": dict(sorted(Counter(w["fact"] for w in warnings).items()))}


def _sparql(store: Store, shapes: rdflib.Graph) -> list[tuple[str, str, str]]:
    """(focus, path, message) of every warning, from the compiled shapes."""
    return [(f.focus, f.check.path, f.check.message) for f in findings(store, compile_shapes(shapes, within=PROCEDURE))
            if f.check.severity == str(SH.Warning)]


def _pyshacl(store: Store, shapes: rdflib.Graph) -> list[tuple[str, str, str]]:
    """(focus, path, message) of every warning, by pyshacl over an rdflib copy of the procedures."""
    import pyshacl

    data = rdflib.Graph()
    for triple in store.construct(PROCEDURE_TRIPLES):
        data.add(tuple(_rdflib(term) for term in (triple.subject, triple.predicate, triple.object)))
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return [(str(results.value(result, SH.focusNode)), str(results.value(result, SH.resultPath) or ""),
             str(results.value(result, SH.resultMessage) or ""))
            for result in results.subjects(rdflib.RDF.type, SH.ValidationResult)
            if results.value(result, SH.resultSeverity) == SH.Warning]


def write_quality(store: Store, path: Path, config: Config, catalogue=None, engine: str = "sparql") -> int:
    """Write quality.json (under a temporary name, then renamed); the number of warnings."""

    def entity_file(iri: str) -> str:
        found = catalogue.entity_for(iri) if catalogue is not None else None
        return str(found[0].file) if found else ""

    report = quality_warnings(store, config, entity_file, engine)
    # where the administrative map of the package and data/place/ differ (loaders/geography.py)
    report["map_disagreements"] = disagreements_json(catalogue.map_disagreements) if catalogue is not None else []
    _write(report, path)
    return len(report["warnings"])


def patch_quality(served: dict, store: Store, path: Path, config: Config, subjects: set[str],
                  entity_file: Callable[[str], str], map_disagreements: list | None = None) -> int:
    """Write quality.json from a served build's report with the warnings of `subjects` replaced by
    theirs in `store` (which must hold those entities' triples): each warning reads only its
    procedure's own triples, so the others are unchanged. `map_disagreements`: new ones, if any."""
    fresh = quality_warnings(store, config, entity_file)
    kept = [w for w in served["warnings"] if w["focus"] not in subjects]
    report = _report(config, quality_shapes(config), kept + [w for w in fresh["warnings"] if w["focus"] in subjects])
    report["map_disagreements"] = (disagreements_json(map_disagreements) if map_disagreements is not None
                                   else served.get("map_disagreements", []))
    _write(report, path)
    return len(report["warnings"])


def _write(report: dict, path: Path) -> None:
    temporary = path.with_name("." + path.name)
    temporary.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def read_quality(folder: str | Path) -> dict | None:
    """The quality report of a build folder, or None when that build has none (older builds)."""
    try:
        with open(Path(folder) / FILE_NAME, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _rdflib(term):
    import pyoxigraph as ox
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    return rdflib.Literal(term.value, lang=term.language or None,
                          datatype=None if term.language else rdflib.URIRef(term.datatype.value))
