"""The columns of a sheet, derived from the JSON-LD context and the SHACL shapes.

One row per entity; the columns are derived from the JSON-LD context (through SourceContext), so
a key added to ontology/context.jsonld gets its column without touching this package:

- `slug` (the file name);
- a language map gives one column per language: `title_rn`, `title_fr`, `title_en`;
- any other key gives one column named after it; a list (`@set`) holds several values separated by
  `;` (`theme/travel; theme/justice`), trimmed; `\\;` is a `;` inside a value;
- a repeated block (`fee`, `conditions`, `contact`) gives one column per key of the block
  (`fee_amount`, `fee_description_fr`, `contact_page`...), each holding one value per block in the
  same order, separated by `;` ("parallel values"); a list inside one block is separated by `|`.
  The keys of a block are its own keys plus the generic keys that the SHACL shapes (CPSV-AP and
  ours) declare for the block's class (a fee has `description`, a condition `title`), plus
  `source` in repeated blocks (each fee may cite its own source);
- a single block with one key (an institution's `address: {full: ...}`) is written `address_fr`.
What a sheet cannot express (lists of texts per language inside a repeated block, blocks inside
blocks, the other generic keys inside blocks) is listed in the README sheet of the template.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from isoko.config import Config

from ..context import SourceContext
from ..kinds import BLOCK_TYPES, KINDS
from ..mapping import RESERVED

PROVENANCE = ("source",)  # generic keys offered in every repeated block (each fee its own source)
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Column:
    name: str
    key: str  # top-level key of the source
    sub: str = ""  # key inside the block, "" for a top-level key
    lang: str = ""  # language of a language map, "" otherwise
    many: bool = False  # a list (@set): several values
    ref: bool = False  # kind/slug, URL or code (@type @id or @vocab)
    datatype: str = ""  # local name of an xsd datatype: date, double, duration, language
    repeated: bool = False  # a column of a repeated block: one value per block
    predicate: str = ""

    @property
    def field(self) -> str:
        """The key this column writes, relative to its block (`amount`, `title`)."""
        return self.sub or self.key


@dataclass
class Group:
    """The columns of one top-level key."""

    key: str
    columns: list[Column]
    block: bool = False
    repeated: bool = False
    predicate: str = ""
    block_class: str = ""


@dataclass
class SheetSpec:
    kind: str
    kind_class: str
    groups: list[Group]
    skipped: list[tuple[str, str]]  # (what, why)
    languages: tuple[str, ...]
    context: SourceContext
    id_base: str = ""
    vocab: dict[str, str] = field(default_factory=dict)  # key -> @vocab of its block (fee currency)

    @property
    def columns(self) -> list[Column]:
        return [Column("slug", "slug")] + [c for g in self.groups for c in g.columns]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def group(self, key: str) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)


def _container(definition: dict) -> list[str]:
    container = definition.get("@container", [])
    return [container] if isinstance(container, str) else list(container)


@dataclass(frozen=True)
class ShapeInfo:
    """What the SHACL shapes say about one class: paths, required paths and languages, classes."""

    paths: frozenset[str]
    required: frozenset[str]
    required_languages: dict
    classes: dict


@lru_cache(maxsize=4)
def _shapes(shapes_dir: Path, stamp: tuple) -> dict[str, ShapeInfo]:
    import rdflib
    from rdflib.namespace import SH

    from ..validation import shapes_graph

    graph = shapes_graph(shapes_dir)
    info: dict[str, dict] = {}
    for node_shape, target in graph.subject_objects(SH.targetClass):
        entry = info.setdefault(str(target), {"paths": set(), "required": set(), "langs": {}, "classes": {}})
        for prop in graph.objects(node_shape, SH.property):
            path = graph.value(prop, SH.path)
            if not isinstance(path, rdflib.URIRef):
                continue
            entry["paths"].add(str(path))
            minimum = graph.value(prop, SH.minCount)
            if minimum is not None and int(minimum) >= 1:
                entry["required"].add(str(path))
            qualified = graph.value(prop, SH.qualifiedValueShape)
            if qualified is not None and graph.value(prop, SH.qualifiedMinCount) is not None:
                languages = graph.value(qualified, SH.languageIn)
                if languages is not None:
                    for lang in rdflib.collection.Collection(graph, languages):
                        entry["langs"].setdefault(str(path), set()).add(str(lang))
            cls = graph.value(prop, SH["class"])
            if cls is not None:
                entry["classes"][str(path)] = str(cls)
    return {cls: ShapeInfo(frozenset(e["paths"]), frozenset(e["required"]), e["langs"], e["classes"])
            for cls, e in info.items()}


def shape_info(config: Config) -> dict[str, ShapeInfo]:
    from ..validation import shape_files

    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in shape_files(config.shapes_dir))
    return _shapes(config.shapes_dir, stamp)


def sheet_spec(config: Config, kind_name: str) -> SheetSpec:
    """The columns of a sheet of `kind_name`, in order, and what a sheet cannot express."""
    context = SourceContext(config.ontology_dir / "context.jsonld")
    kind = KINDS[kind_name]
    keys = context.keys_for_types(kind.types)
    own: set[str] = set()
    for type_term in kind.types:
        definition = context.root.get(type_term)
        if isinstance(definition, dict):
            own |= set(context.keys_of(definition.get("@context", {})))
    kind_class = context.expand(context.root[kind.types[0]]["@id"])
    shapes = shape_info(config)
    languages = tuple(config.languages)

    def is_text(key: str) -> bool:
        return "@language" in _container(keys[key])

    # Texts first (title, description, name...), then the keys of the kind, then the other generic keys.
    order = ([k for k in keys if k not in own and is_text(k)] + [k for k in keys if k in own]
             + [k for k in keys if k not in own and not is_text(k)])
    spec = SheetSpec(kind_name, kind_class, [], [], languages, context, config.id_base)
    for key in order:
        if key in RESERVED:
            spec.skipped.append((key, f"given by the `slug` column ({RESERVED[key]})"))
            continue
        definition = keys[key]
        predicate = context.expand(definition["@id"])
        if "@context" not in definition:
            spec.groups.append(Group(key, _columns(context, key, definition, key, "", False, languages),
                                     predicate=predicate))
            continue
        repeated = "@set" in _container(definition)
        block_class = context.expand(BLOCK_TYPES.get(key, ""))
        block_own = context.keys_of(definition["@context"])
        allowed = context.keys_in_block(definition)
        declared = shapes.get(block_class, ShapeInfo(frozenset(), frozenset(), {}, {})).paths
        offered = list(block_own) + [
            k for k, d in context.keys_of(context.root).items()
            if k not in block_own and k not in RESERVED
            and (context.expand(d["@id"]) in declared or (repeated and k in PROVENANCE))]
        columns: list[Column] = []
        unexpressed: list[str] = []
        for sub in offered:
            sub_definition = allowed[sub]
            if "@context" in sub_definition:
                unexpressed.append(sub)
                continue
            if repeated and "@language" in _container(sub_definition) and "@set" in _container(sub_definition):
                unexpressed.append(sub)
                continue
            name = sub if sub.startswith(f"{key}_") else f"{key}_{sub}"  # contact_page, not contact_contact_page
            columns += _columns(context, sub, sub_definition, name, key, repeated, languages)
        if not repeated and len({c.sub for c in columns}) == 1 and all(c.lang for c in columns):
            columns = [dataclasses.replace(c, name=f"{key}_{c.lang}") for c in columns]  # address_fr
        vocab = definition["@context"].get("@vocab")
        if vocab:
            spec.vocab[key] = vocab
        spec.groups.append(Group(key, columns, True, repeated, predicate, block_class))
        left_out = [k for k in allowed if k not in offered and k not in RESERVED] + unexpressed
        if left_out:
            spec.skipped.append((f"{key}: " + ", ".join(left_out),
                                 f"a sheet offers only the keys that CPSV-AP declares for `{key}` blocks"
                                 + (" (and `source`)" if repeated else "") + "; add the others in the YAML file"))
    names = spec.names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"ontology/context.jsonld gives two {kind_name} keys the same sheet column: {duplicated}")
    return spec


def _columns(context: SourceContext, key: str, definition: dict, name: str, block: str,
             repeated: bool, languages: tuple[str, ...]) -> list[Column]:
    container = _container(definition)
    predicate = context.expand(definition["@id"])
    top, sub = (block, key) if block else (key, "")
    if "@language" in container:
        return [Column(f"{name}_{lang}", top, sub, lang, many="@set" in container, repeated=repeated,
                       predicate=predicate) for lang in languages]
    kind = definition.get("@type", "")
    datatype = context.expand(kind).removeprefix(XSD) if context.expand(kind).startswith(XSD) else ""
    return [Column(name, top, sub, many="@set" in container, ref=kind in ("@id", "@vocab"),
                   datatype=datatype, repeated=repeated, predicate=predicate)]
