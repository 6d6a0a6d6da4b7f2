"""Templates: a header row, an example row and, in XLSX, a README sheet that explains every column,
lists the allowed values and what a sheet cannot express."""

from __future__ import annotations

from pathlib import Path

import yaml

from isoko.config import Config

from ..kinds import KINDS, SOURCE_KINDS
from .cells import ITEM_SEPARATOR, SEPARATOR, cell_text, split_values
from .exporter import export_rows, source_paths
from .files import write_sheet
from .spec import Column, Group, SheetSpec, shape_info, sheet_spec

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LANGUAGE_NAMES = {"rn": "Kirundi", "fr": "French", "en": "English"}


def template(config: Config, kind: str, out: Path) -> None:
    """Header row, one example row (the most complete entity of data/) and, in XLSX, a README sheet."""
    spec = sheet_spec(config, kind)
    best: tuple[int, str, list] | None = None
    for slug, row, _ in export_rows(config, spec):
        filled = len({c.key for c, v in zip(spec.columns, row) if v not in (None, "")})
        if best is None or filled > best[0]:
            best = (filled, slug, row)
    if best:
        example, source = best[2], f"{spec.kind}/{best[1]}"
    else:
        example, source = [f"my-new-{kind}" if c.name == "slug" else None for c in spec.columns], ""
    readme = readme_lines(config, spec, source) if out.suffix.lower() == ".xlsx" else None
    write_sheet(out, spec.names, [example], readme, title=kind)


def readme_lines(config: Config, spec: SheetSpec, example: str) -> list[list]:
    shapes = shape_info(config)
    labels = _ontology_labels(config)
    kind_shape = shapes.get(spec.kind_class)
    allowed, urls = allowed_values(config, spec)
    lines: list[list] = [
        ["#", f"How to fill a `{spec.kind}` sheet for `isoko import --kind {spec.kind}`"],
        [f"One row per {spec.kind}; row 1 holds the column names. Keep the names; remove the columns you do "
         "not need (except `slug`); empty rows are skipped."],
        ["`slug`: the file name and web address of the entity, lowercase ASCII words joined by hyphens "
         "(e.g. ordinary-passport). It must be new, unless you import with --update (which changes the columns "
         "of the sheet and keeps the others; an empty cell then removes the value)."],
        [f"Several values in one cell: separate them with `{SEPARATOR}` (e.g. `theme/travel; theme/justice`); "
         f"write `\\{SEPARATOR}` for a `{SEPARATOR}` that is part of a value."],
        [f"Repeated blocks ({', '.join(g.key for g in spec.groups if g.repeated) or 'none'}): each column "
         f"such as fee_amount, fee_currency holds one value per block, in the same order, separated by "
         f"`{SEPARATOR}`; leave an empty place (`a;;c`) for a block without that value. A list inside one block "
         f"(fee_source) is separated by `{ITEM_SEPARATOR}`."],
        ["Texts: one column per language (_rn Kirundi, _fr French, _en English). Write Kirundi only when you are "
         "sure of it."],
        ["Dates: a date cell, or text YYYY-MM-DD. Amounts: digits (20000); spaces between thousands are accepted "
         "(20 000), and `,` or `.` only when they cannot be decimals (1,000,000; 20 000,50; 20,000.50); "
         "`20,000` and `20.000` are refused as ambiguous: write 20000."],
        ["Formulas are refused: copy the cells and paste them as values (Paste Special > Values)."],
        ["CSV: save as \"CSV UTF-8\"; `,` or `;` between cells both work. XLSX: the sheet named "
         f"`{spec.kind}` is read (else the first sheet)."],
        [f"Row 2 is an example copied from data/{example}.yaml: replace it or delete it." if example
         else "Row 2 is an example: replace it."],
        ["The import checks every row with the catalogue (references, required values) and writes all the "
         "files or none; each problem is reported as file:row:column."],
        [],
        ["#", "Not in the sheet (edit the YAML file in data/ after the import)", "why"],
    ]
    lines += [[what, "", why] for what, why in spec.skipped]
    lines += [[], ["#", "column", "required", "meaning", "values"]]
    for group in spec.groups:
        block_shape = shapes.get(group.block_class) if group.block else None
        for column in group.columns:
            required = ""
            shape = block_shape if group.block else kind_shape
            languages = shape.required_languages.get(column.predicate, ()) if shape else ()
            if shape and column.predicate in shape.required and not languages:
                required = "in one language at least" if column.lang else "yes"
            if column.lang in languages:
                required = "yes"
            if required and group.repeated:
                required += f", in each {group.key} block"
            meaning = labels.get(column.predicate, column.field.replace("_", " "))
            if group.block:
                meaning = f"{labels.get(group.predicate, group.key)}: {meaning}"
            if column.lang:
                meaning += f" ({LANGUAGE_NAMES.get(column.lang, column.lang)})"
            lines.append([column.name, required, meaning, _value_help(column, group, allowed, urls)])
    for name, values in allowed.items():
        lines += [[], ["#", f"Values for {name}", "", "French", "English"]]
        lines += [[value, "", fr, en] for value, fr, en in values]
    return lines


def _value_help(column: Column, group: Group, allowed: dict, urls: set[str]) -> str:
    if column.lang:
        kind = "texts" if column.many else "text"
    elif column.datatype == "double":
        kind = "a number, e.g. 20000"
    elif column.datatype == "date":
        kind = "a date YYYY-MM-DD"
    elif column.datatype == "duration":
        kind = "an ISO 8601 duration: P3D (3 days), P2M (2 months), PT24H (24 hours)"
    elif column.datatype == "language":
        kind = f"{'language codes' if column.many else 'a language code'} from 'Values for {column.name}' below"
    elif column.ref and column.name in urls:
        kind = "web addresses (https://...)" if column.many else "a web address (https://...)"
    elif column.ref and column.name in allowed:
        kind = f"{'values' if column.many else 'a value'} from 'Values for {column.name}' below"
    elif column.ref:
        kind = "references kind/slug or URLs" if column.many else "a reference kind/slug or a URL"
    else:
        kind = "texts, or dates YYYY-MM-DD" if column.many else "a text, or a date YYYY-MM-DD"
    if column.many and column.repeated:
        kind += f"; several in one {group.key} block separated by `{ITEM_SEPARATOR}`"
    elif column.many:
        kind += f", separated by `{SEPARATOR}`"
    if column.repeated:
        kind = f"one per {group.key} block, separated by `{SEPARATOR}`: " + kind
    return kind


def _ontology_labels(config: Config) -> dict[str, str]:
    """English (French) labels of the ontology's terms."""
    from ..catalogue import ontology_quads

    texts: dict[str, dict[str, str]] = {}
    for quad in ontology_quads(config):
        if quad.predicate.value == RDFS_LABEL and getattr(quad.object, "language", None):
            texts.setdefault(quad.subject.value, {})[quad.object.language] = quad.object.value
    return {iri: " / ".join(t for t in (labels.get("en"), labels.get("fr")) if t) for iri, labels in texts.items()}


def allowed_values(config: Config, spec: SheetSpec) -> tuple[dict[str, list[tuple[str, str, str]]], set[str]]:
    """For reference columns: the entities of the kind they name, or the concepts of the scheme
    (themes, events, audiences, currencies...) that the values used in data/ belong to; and the
    columns whose values in data/ are all web addresses."""
    from ..catalogue import ontology_quads

    in_scheme: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {}
    for quad in ontology_quads(config):
        predicate = quad.predicate.value
        if predicate == SKOS + "inScheme":
            in_scheme[quad.subject.value] = quad.object.value
        elif predicate == SKOS + "prefLabel" and getattr(quad.object, "language", None):
            labels.setdefault(quad.subject.value, {})[quad.object.language] = quad.object.value
    members: dict[str, list[str]] = {}
    for concept, scheme in in_scheme.items():
        members.setdefault(scheme, []).append(concept)
    used: dict[str, set[str]] = {}
    for _, row, _ in export_rows(config, spec):
        for column, value in zip(spec.columns, row):
            if column.ref and value not in (None, ""):
                for piece in split_values(cell_text(value), SEPARATOR, keep_empty=False):
                    used.setdefault(column.name, set()).update(split_values(piece, ITEM_SEPARATOR, keep_empty=False))
    kinds_of_class: dict[str, set[str]] = {}
    for name in SOURCE_KINDS:
        for type_term in KINDS[name].types:
            definition = spec.context.root.get(type_term)
            iri = spec.context.expand(definition["@id"] if isinstance(definition, dict) else type_term)
            kinds_of_class.setdefault(iri, set()).add(name)
    urls = {name for name, values in used.items() if all(v.startswith(("http://", "https://")) for v in values)}
    shape = shape_info(config).get(spec.kind_class)
    result: dict[str, list[tuple[str, str, str]]] = {}
    for group in spec.groups:
        for column in group.columns:
            if column.datatype == "language":
                result[column.name] = [(lang, "", LANGUAGE_NAMES.get(lang, "")) for lang in spec.languages]
                continue
            if not column.ref:
                continue
            values = sorted(used.get(column.name, ()))
            kinds = {v.split("/", 1)[0] for v in values if v.split("/", 1)[0] in SOURCE_KINDS}
            if not values and shape and not group.block and column.predicate in shape.classes:
                candidates = kinds_of_class.get(shape.classes[column.predicate], set())
                kinds = candidates if len(candidates) == 1 else set()
            if kinds:
                result[column.name] = [row for k in sorted(kinds) for row in _entities(config, k)]
                continue
            for value in values:
                iri, compact = _expand_value(spec, group, value, config)
                scheme = in_scheme.get(iri)
                if scheme:
                    result[column.name] = sorted(
                        (compact(c), labels.get(c, {}).get("fr", ""), labels.get(c, {}).get("en", ""))
                        for c in members[scheme])
                    break
    return result, urls


def _expand_value(spec: SheetSpec, group: Group, value: str, config: Config):
    vocab = spec.vocab.get(group.key)
    if vocab and ":" not in value and "/" not in value:
        return vocab + value, lambda iri: iri.removeprefix(vocab)
    prefix, _, local = value.partition(":")
    if local and prefix in spec.context.prefixes and not value.startswith("http"):
        namespace = spec.context.prefixes[prefix]
        return namespace + local, lambda iri: f"{prefix}:{iri.removeprefix(namespace)}"
    return config.id_base + value, lambda iri: iri.removeprefix(config.id_base)


def _entities(config: Config, kind: str) -> list[tuple[str, str, str]]:
    rows = []
    for path in source_paths(config, kind):
        try:
            record = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        label = record.get("title") or record.get("name") or {}
        label = label if isinstance(label, dict) else {}
        rows.append((f"{kind}/{path.stem}", str(label.get("fr", "")), str(label.get("en", ""))))
    return rows
