"""Read every source of data/ and the ontology into RDF quads, grouped by named graph."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from isoko.config import Config

from .context import SourceContext
from .kinds import KINDS, SLUG, SOURCE_KINDS
from .mapping import Entity, map_record
from .problems import Problem, ProblemsFound
from .yaml_source import read_yaml

ONTOLOGY_FILES = ("official/cpsv-ap.ttl", "isoko.ttl", "schemes/*.ttl")


@dataclass
class Catalogue:
    """The parsed sources: entities with their line maps, and quads per named graph."""

    config: Config
    entities: list[Entity] = field(default_factory=list)
    quads: list[ox.Quad] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def entity_for(self, iri: str) -> tuple[Entity, str] | None:
        """The entity whose file wrote this node, and the node's IRI relative to the id base."""
        relative = iri.removeprefix(self.config.id_base)
        entity = self._by_ref.get(relative.split("#", 1)[0]) if relative != iri else None
        return (entity, relative) if entity else None

    def index(self) -> None:
        self._by_ref = {entity.ref: entity for entity in self.entities}


def display_path(path: Path, config: Config) -> str:
    try:
        return str(path.resolve().relative_to(config.root))
    except ValueError:
        return str(path)


def source_files(config: Config) -> list[Path]:
    return sorted(p for kind in SOURCE_KINDS for p in (config.data_dir / kind).glob("*.y*ml"))


def read_catalogue(config: Config) -> Catalogue:
    """Parse ontology and sources. Problems are collected, not raised, so all are reported at once."""
    catalogue = Catalogue(config)
    context = SourceContext(config.ontology_dir / "context.jsonld")
    catalogue.problems.extend(_unexpected_files(config))
    for path in source_files(config):
        display = display_path(path, config)
        kind, slug = KINDS[path.parent.name], path.stem
        if not SLUG.match(slug):
            catalogue.problems.append(Problem(display, 0, f"file name `{path.name}` is not a valid slug",
                                              fix="use lowercase ASCII words joined by hyphens, e.g. birth-certificate.yaml"))
            continue
        try:
            record = read_yaml(path, display)
        except ProblemsFound as err:
            catalogue.problems.extend(err.problems)
            continue
        entity, problems = map_record(kind, slug, record, display, context)
        catalogue.problems.extend(problems)
        if problems:
            continue
        try:
            triples = ox.parse(json.dumps(entity.document).encode(), format=ox.RdfFormat.JSON_LD,
                               base_iri=config.id_base)
            graph = ox.NamedNode(config.graph_iri(_graph_name(entity)))
            catalogue.quads.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples)
        except (SyntaxError, ValueError) as err:
            catalogue.problems.append(Problem(display, record.line, f"cannot be read as linked data: {err}",
                                              fix="check references (kind/slug) and URLs in this file"))
            continue
        catalogue.entities.append(entity)
    catalogue.quads.extend(ontology_quads(config))
    catalogue.index()
    return catalogue


def _graph_name(entity: Entity) -> str:
    if entity.kind.graph:
        return entity.kind.graph
    authority = entity.authority_slug()
    return f"institution/{authority}" if authority else "unassigned"


def _unexpected_files(config: Config) -> list[Problem]:
    problems = []
    if not config.data_dir.is_dir():
        return [Problem(str(config.data_dir), 0, "the data folder does not exist",
                        fix="set ISOKO_DATA to the folder holding procedure/, institution/...")]
    for path in sorted(config.data_dir.iterdir()):
        if path.is_dir() and path.name not in SOURCE_KINDS:
            problems.append(Problem(display_path(path, config), 0, f"unknown kind folder `{path.name}`",
                                    fix=f"use one of: {', '.join(SOURCE_KINDS)}"))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.suffix not in (".yaml", ".yml"):
                    problems.append(Problem(display_path(child, config), 0, "not a .yaml file",
                                            fix="sources are one .yaml file per entity; move other files out of data/"))
    return problems


def ontology_quads(config: Config) -> list[ox.Quad]:
    graph = ox.NamedNode(config.graph_iri("ontology"))
    quads = []
    for pattern in ONTOLOGY_FILES:
        for path in sorted(config.ontology_dir.glob(pattern)):
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=config.id_base):
                quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return quads
