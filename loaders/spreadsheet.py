"""Spreadsheets for ministry staff: `isoko import`, `isoko export` and templates (CSV or XLSX).

One row per entity; the columns are derived from the JSON-LD context (through SourceContext), so
a key added to ontology/context.jsonld gets its column without touching this module:

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

Import converts every row, then writes the files into a copy of data/, validates that copy with
`check_sources` (so references between the sheet and the catalogue resolve, and every shape is
checked), maps each problem back to `file:row:column`, and only when nothing is wrong copies the
files into data/ (all or none, under the build lock).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import difflib
import re
import shutil
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import click
import yaml

from isoko.config import Config

from .context import SourceContext
from .kinds import BLOCK_TYPES, KINDS, SLUG, SOURCE_KINDS
from .mapping import RESERVED
from .problems import Problem
from .yaml_source import LineDict, LineList, read_yaml

IMPORT_KINDS = ("procedure", "institution")
SEPARATOR = ";"  # between the values of one cell
ITEM_SEPARATOR = "|"  # between the values of a list inside one block of a parallel column
PROVENANCE = ("source",)  # generic keys offered in every repeated block (each fee its own source)
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LANGUAGE_NAMES = {"rn": "Kirundi", "fr": "French", "en": "English"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_PROBLEMS = 500
README_SHEET = "README"


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class SheetProblem:
    """A problem in a sheet, reported as `file:row:column: message` plus a fix."""

    file: str
    row: int = 0
    column: str = ""  # a column letter (A, B, ..., AA)
    message: str = ""
    fix: str = ""

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row else "") + (f":{self.column}" if self.column and self.row else "")
        return f"{where}: {self.message}" + (f"\n    fix: {self.fix}" if self.fix else "")


class SheetError(Exception):
    def __init__(self, problems: list):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# Columns, derived from the JSON-LD context


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

    from .validation import shapes_graph

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
    from .validation import shape_files

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


# ---------------------------------------------------------------------------------------------
# Cell values


class Formula(str):
    """The text of a formula cell (an XLSX loaded with data_only=False)."""


class CellError(str):
    """An error value of a cell (#DIV/0!, #REF!...)."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def split_values(text: str, separator: str, keep_empty: bool, unescape: bool = True) -> list[str]:
    """Split on `separator`; `\\;`, `\\|` and `\\\\` stand for the character itself (kept as
    escapes with unescape=False, for a second split); trimmed."""
    parts, current, i = [], [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "\\;|":
            current.append(text[i + 1] if unescape else text[i:i + 2])
            i += 2
            continue
        if char == separator:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current).strip())
    return parts if keep_empty else [p for p in parts if p]


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;|])", r"\1", text)


def escape(text: str, separators: str = ";|") -> str:
    text = text.replace("\\", "\\\\")
    for separator in separators:
        text = text.replace(separator, "\\" + separator)
    return text


SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def parse_amount(text: str) -> tuple[int | float | None, str]:
    """A fee amount from text: (value, "") or (None, why not).

    Accepted: digits (20000), a decimal part with `.` or `,` (12.5, 12,5), thousands separated
    by spaces (20 000), or by `,`/`.` when that cannot be a decimal separator: two or more groups
    (1,000,000), or followed by a decimal part with the other sign (20,000.50; 20.000,50).
    Refused as ambiguous: one `,` or `.` followed by exactly three digits (20,000; 20.000)."""
    raw = text.strip()
    value = SPACES.sub(" ", raw)
    sign = ""
    if value.startswith("-"):
        sign, value = "-", value[1:].strip()
    if re.fullmatch(r"\d+", value):
        return int(sign + value), ""
    single = re.fullmatch(r"(\d+)([.,])(\d+)", value)
    if single:
        if len(single.group(3)) == 3:
            return None, (f'"{raw}" is ambiguous: {single.group(1)}{single.group(3)} with a thousands separator, '
                          f"or {single.group(1)} with decimals")
        return _number(sign + single.group(1) + "." + single.group(3)), ""
    grouped = re.fullmatch(r"(\d{1,3})(?:([ ,.])(\d{3}))((?:\2\d{3})*)(?:([.,])(\d+))?", value)
    if grouped:
        separator, decimal_mark = grouped.group(2), grouped.group(5)
        if decimal_mark != separator and (separator == " " or grouped.group(4) or decimal_mark):
            digits = value.split(decimal_mark)[0] if decimal_mark else value
            whole = digits.replace(separator, "")
            return _number(sign + whole + ("." + grouped.group(6) if decimal_mark else "")), ""
    return None, f'"{raw}" is not a number'


def _number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text.rstrip("0").rstrip(".") else number


def _plain_number(value: int | float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def cell_text(value) -> str:
    """A cell as text: numbers without a useless `.0`, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(_plain_number(value))
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# Reading sheets (streamed)


def read_rows(path: Path, display: str, kind: str = "") -> Iterator[tuple[int, list]]:
    """(row number, cells) of every row. CSV cells are text; XLSX cells keep their type (numbers,
    datetimes, Formula, CellError). Raises SheetError for a file that cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, display)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, display, kind)
    raise SheetError([SheetProblem(display, message=f"`{path.suffix}` files are not supported",
                                   fix="save the sheet as .xlsx (Excel workbook) or .csv (CSV UTF-8)")])


CSV_FIX = ('save it again as "CSV UTF-8 (Comma delimited) (*.csv)" (Excel: File > Save As), '
           'or with the character set "Unicode (UTF-8)" (LibreOffice)')


def check_utf8(path: Path, display: str) -> None:
    """Raise SheetError with the byte offset and line of the first byte that is not UTF-8."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise SheetError([SheetProblem(display, 1, message="the file is UTF-16 text (\"Unicode Text\"), not UTF-8",
                                           fix=CSV_FIX)])
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        while True:
            chunk = handle.read(1 << 18)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                bad = offset - len(pending) + err.start
                handle.seek(0)
                line = handle.read(bad).count(b"\n") + 1
                byte = (pending + chunk)[err.start]
                raise SheetError([SheetProblem(
                    display, line, message=f"not UTF-8 text: byte 0x{byte:02X} at byte offset {bad} ({err.reason}); "
                    "the file was probably saved as Windows-1252/Latin-1 (\"CSV (Comma delimited)\")",
                    fix=CSV_FIX)]) from None
            if not chunk:
                return
            offset += len(chunk)


def sniff_delimiter(line: str) -> str:
    """`;`, `,` or tab: whichever splits the header line (outside quotes) into more cells."""
    counts = {d: 0 for d in (",", ";", "\t")}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: Path, display: str) -> Iterator[tuple[int, list]]:
    check_utf8(path, display)
    csv.field_size_limit(16 * 1024 * 1024)

    def rows() -> Iterator[tuple[int, list]]:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            delimiter = sniff_delimiter(handle.readline())
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            number = 0
            try:
                for number, cells in enumerate(reader, 1):
                    yield number, cells
            except csv.Error as err:
                raise SheetError([SheetProblem(display, number + 1, message=f"CSV error: {err}",
                                               fix="check the quotes on this row, or save the file again from the spreadsheet")]) from None
    return rows()


def _xlsx_rows(path: Path, display: str, kind: str) -> Iterator[tuple[int, list]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise SheetError([SheetProblem(display, message=f"cannot be read as an .xlsx workbook ({err})",
                                       fix="save it again from the spreadsheet as \"Excel Workbook (.xlsx)\"")]) from None

    def rows() -> Iterator[tuple[int, list]]:
        try:
            names = workbook.sheetnames
            name = kind if kind in names else next((n for n in names if n != README_SHEET), names[0])
            sheet = workbook[name]
            for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), 1):
                yield number, [_xlsx_value(cell) for cell in row]
        finally:
            workbook.close()
    return rows()


def _xlsx_value(cell):
    value = cell.value
    if value is None:
        return None
    if cell.data_type == "f":
        return Formula(getattr(value, "text", None) or str(value))
    if cell.data_type == "e":
        return CellError(str(value))
    return value


# ---------------------------------------------------------------------------------------------
# Rows -> records


@dataclass
class Header:
    row: int
    positions: dict[int, Column]  # cell index -> column
    by_name: dict[str, int]  # column name -> cell index
    width: int


def read_header(spec: SheetSpec, number: int, cells: list, display: str) -> tuple[Header, list[SheetProblem]]:
    problems: list[SheetProblem] = []
    columns = {c.name: c for c in spec.columns}
    allowed = ", ".join(spec.names)
    positions: dict[int, Column] = {}
    by_name: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell_text(cell).lower()
        if not name:
            continue
        letter = column_letter(index)
        if name not in columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f"did you mean `{close[0]}`? " if close else ""
            problems.append(SheetProblem(display, number, letter, f"unknown column `{name}`",
                                         f"{hint}allowed columns: {allowed}"))
        elif name in by_name:
            problems.append(SheetProblem(display, number, letter,
                                         f"column `{name}` appears twice (also column {column_letter(by_name[name])})",
                                         "keep one of the two columns"))
        else:
            positions[index] = columns[name]
            by_name[name] = index
    if "slug" not in by_name and not problems:
        problems.append(SheetProblem(display, number, "", "no `slug` column",
                                     "add a column named `slug` with the file name of each entity "
                                     f"(e.g. ordinary-passport); allowed columns: {allowed}"))
    elif "slug" not in by_name:
        problems.append(SheetProblem(display, number, "", "no `slug` column",
                                     "add a column named `slug` with the file name of each entity (e.g. ordinary-passport)"))
    return Header(number, positions, by_name, len(cells)), problems


def suggest_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


@dataclass
class RowContext:
    display: str
    row: int
    header: Header

    def problem(self, column: Column | None, message: str, fix: str = "") -> SheetProblem:
        letter = column_letter(self.header.by_name[column.name]) if column else ""
        prefix = f"{column.name}: " if column else ""
        return SheetProblem(self.display, self.row, letter, prefix + message, fix)


def convert_value(column: Column, value, where: RowContext, problems: list):
    """One value of a cell (a native cell value, or one piece of a split text) as a YAML value."""
    if column.datatype == "double":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _plain_number(value)
        number, why = parse_amount(cell_text(value))
        if why:
            problems.append(where.problem(column, why, "write the number with digits only, e.g. 20000 "
                                                       "(the currency goes in its own column)"))
        return number
    if isinstance(value, (dt.date, dt.datetime)) and not column.lang:
        date = value.date() if isinstance(value, dt.datetime) else value
        return date if not column.ref else date.isoformat()
    text = cell_text(value)
    if column.datatype == "date":
        try:
            if not ISO_DATE.match(text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            problems.append(where.problem(column, f'"{text}" is not a date written YYYY-MM-DD',
                                          "write e.g. 2026-11-26, or format the cell as a date"))
            return None
    if column.ref:
        if re.search(r"\s", text):
            problems.append(where.problem(
                column, f'"{text}" is not a reference: no spaces in `kind/slug`, codes or URLs',
                f"write e.g. institution/obr; separate several values with `{SEPARATOR}`"))
            return None
        return text
    if not column.lang and not column.datatype and ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)  # as YAML reads an unquoted date
        except ValueError:
            return text
    return text


def _cell_values(column: Column, cell, where: RowContext, problems: list):
    """The YAML value(s) of a top-level (not repeated) cell: one value, or a list for @set keys."""
    if column.many:
        pieces = split_values(cell_text(cell), SEPARATOR, keep_empty=False) if isinstance(cell, str) else [cell]
        values = [convert_value(column, piece, where, problems) for piece in pieces]
        return [v for v in values if v is not None] or None
    return convert_value(column, cell.strip() if isinstance(cell, str) else cell, where, problems)


def row_record(spec: SheetSpec, header: Header, cells: list, where: RowContext,
               problems: list[SheetProblem]) -> dict:
    """The source record of one row (without the slug), in column order."""
    record: dict = {}
    present = {col.name: cells[index] for index, col in header.positions.items()
               if index < len(cells) and not is_blank(cells[index])}
    for group in spec.groups:
        columns = [c for c in group.columns if c.name in present]
        if not columns:
            continue
        if group.repeated:
            items = _repeated_items(group, columns, present, where, problems)
            if items:
                record[group.key] = items
            continue
        target: dict = {}
        for column in columns:
            value = _cell_values(column, present[column.name], where, problems)
            if value is None:
                continue
            if group.block and column.lang:
                target.setdefault(column.sub, {})[column.lang] = value
            elif group.block:
                target[column.sub] = value
            elif column.lang:
                target[column.lang] = value
            else:
                target = value
        if target not in ({}, None):
            record[group.key] = target
    return record


def _repeated_items(group: Group, columns: list[Column], present: dict, where: RowContext,
                    problems: list[SheetProblem]) -> list[dict]:
    pieces: dict[str, list] = {}
    for column in columns:
        cell = present[column.name]
        pieces[column.name] = (split_values(cell, SEPARATOR, keep_empty=True, unescape=False)
                               if isinstance(cell, str) else [cell])
    first = columns[0]
    count = len(pieces[first.name])
    bad = False
    for column in columns[1:]:
        if len(pieces[column.name]) != count:
            problems.append(where.problem(
                column, f"{len(pieces[column.name])} value(s), but {first.name} has {count}",
                f"give one value per {group.key}, in the same order, separated by `{SEPARATOR}`; leave the "
                f"place empty (`a;;c`) for a {group.key} without this value; write `\\{SEPARATOR}` for a "
                f"`{SEPARATOR}` inside a text"))
            bad = True
    if bad:
        return []
    items: list[dict] = []
    for position in range(count):
        item: dict = {}
        for column in columns:
            piece = pieces[column.name][position]
            if is_blank(piece):
                continue
            if column.many:
                parts = split_values(piece, ITEM_SEPARATOR, keep_empty=False) if isinstance(piece, str) else [piece]
                value = [v for v in (convert_value(column, p, where, problems) for p in parts) if v is not None]
                value = value or None
            else:
                if isinstance(piece, str):
                    piece = unescape(piece)
                value = convert_value(column, piece, where, problems)
            if value is None:
                continue
            if column.lang:
                item.setdefault(column.sub, {})[column.lang] = value
            else:
                item[column.sub] = value
        if not item:
            ordinal = _ordinal(position + 1)
            problems.append(where.problem(first, f"the {ordinal} {group.key} has no value in any {group.key}_ column",
                                          f"remove the extra `{SEPARATOR}`"))
            return []
        items.append(item)
    return items


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# ---------------------------------------------------------------------------------------------
# Records -> rows (export)


def record_cells(spec: SheetSpec, record: dict) -> tuple[dict[str, object], list[str]]:
    """The cells of one record (column name -> value) and what the sheet cannot express."""
    cells: dict[str, object] = {}
    lost: list[str] = []
    known = {g.key for g in spec.groups}
    for key in record:
        if key not in known:
            lost.append(key)
    for group in spec.groups:
        if group.key in record:
            group_cells, group_lost = group_cells_of(group, record[group.key])
            cells.update(group_cells)
            lost += group_lost
    return cells, lost


def group_cells_of(group: Group, value) -> tuple[dict[str, object], list[str]]:
    cells: dict[str, object] = {}
    lost: list[str] = []
    if group.repeated:
        items = value if isinstance(value, list) else [value]
        by_field = {c.sub for c in group.columns}
        for item in items:
            if not isinstance(item, dict):
                lost.append(group.key)
                continue
            lost += [f"{group.key}.{k}" for k in item if k not in by_field]
            for k, v in item.items():
                if k in by_field and isinstance(v, dict):
                    langs = {c.lang for c in group.columns if c.sub == k}
                    lost += [f"{group.key}.{k}.{lang}" for lang in v if lang not in langs]
        for column in group.columns:
            values = [_item_field(item, column) if isinstance(item, dict) else None for item in items]
            if all(v is None for v in values):
                continue
            if len(values) == 1:
                cells[column.name] = values[0]  # a number or a date keeps its type (a cell of its own)
            else:
                cells[column.name] = "; ".join(cell_text(v) for v in values)  # pieces already escaped
        return cells, sorted(set(lost))
    if group.block:
        if not isinstance(value, dict):
            return {}, [group.key]
        subs = {c.sub for c in group.columns}
        lost += [f"{group.key}.{k}" for k in value if k not in subs]
        for sub in subs:
            langs = {c.lang for c in group.columns if c.sub == sub}
            if "" not in langs and isinstance(value.get(sub), dict):
                lost += [f"{group.key}.{sub}.{lang}" for lang in value[sub] if lang not in langs]
        for column in group.columns:
            cells.update(_leaf_cells(column, value.get(column.sub), lost, f"{group.key}.{column.sub}"))
        return {k: v for k, v in cells.items() if v is not None}, lost
    if any(c.lang for c in group.columns):
        if isinstance(value, dict):
            lost += [f"{group.key}.{lang}" for lang in value if lang not in {c.lang for c in group.columns}]
    for column in group.columns:
        cells.update(_leaf_cells(column, value, lost, group.key))
    return {k: v for k, v in cells.items() if v is not None}, lost


def _leaf_cells(column: Column, value, lost: list[str], where: str) -> dict[str, object]:
    if value is None:
        return {}
    if column.lang:
        if not isinstance(value, dict):
            if where not in lost:
                lost.append(where)
            return {}
        text = value.get(column.lang)
        if text is None:
            return {}
        return {column.name: _join(text) if column.many else text}
    if column.many:
        return {column.name: _join(value)}
    if isinstance(value, (list, dict)):
        lost.append(where)
        return {}
    return {column.name: value}


def _join(value) -> str:
    values = value if isinstance(value, list) else [value]
    return "; ".join(escape(cell_text(v)) for v in values)


def _item_field(item: dict, column: Column):
    value = item.get(column.sub)
    if value is None:
        return None
    if column.lang:
        if not isinstance(value, dict) or value.get(column.lang) is None:
            return None
        value = value[column.lang]
    if column.many:
        values = value if isinstance(value, list) else [value]
        return " | ".join(escape(cell_text(v)) for v in values)
    return escape(value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------------
# Writing sheets


def write_sheet(path: Path, header: list[str], rows: Iterable[list], readme: list[list] | None = None,
                title: str = "") -> None:
    """A CSV (UTF-8 with BOM, `,`) or an XLSX (streamed; dates as date cells; a README sheet)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([cell_text(v) for v in row])
        return
    if suffix != ".xlsx":
        raise click.UsageError(f"write a .csv or an .xlsx file, not {path.suffix or 'a file without extension'}")
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title or "sheet")
    sheet.freeze_panes = "B2"
    for index, name in enumerate(header):
        sheet.column_dimensions[column_letter(index)].width = max(12, min(40, len(name) + 4))
    bold = Font(bold=True)

    def cell(value, font=None):
        item = WriteOnlyCell(sheet, value=None)
        if isinstance(value, str) and value.startswith("="):
            item.value = value
            item.data_type = "s"  # text, not a formula
        else:
            item.value = value
        if isinstance(value, dt.date):
            item.number_format = "yyyy-mm-dd"
        if font:
            item.font = font
        return item

    sheet.append([cell(name, bold) for name in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    if readme is not None:
        notes = workbook.create_sheet(README_SHEET)
        for width, letter in zip((28, 14, 60, 60), "ABCD"):
            notes.column_dimensions[letter].width = width
        for line in readme:
            notes.append([cell(v, bold if line and line[0] == "#" else None) for v in line[1:]]
                         if line and line[0] == "#" else [cell(v) for v in line])
    workbook.save(path)


# ---------------------------------------------------------------------------------------------
# Export


def source_paths(config: Config, kind: str) -> list[Path]:
    return sorted((config.data_dir / kind).glob("*.y*ml"))


def export_rows(config: Config, spec: SheetSpec) -> Iterator[tuple[str, list, list[str]]]:
    """(slug, row, what the sheet cannot express) for each source of the kind, by slug."""
    names = spec.names
    for path in source_paths(config, spec.kind):
        record = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cells, lost = record_cells(spec, record)
        cells["slug"] = path.stem
        yield path.stem, [cells.get(name) for name in names], lost


def export(config: Config, kind: str, out: Path) -> tuple[int, dict[str, list[str]]]:
    """Write every source of `kind` to a sheet; returns the count and, per slug, what was left out."""
    spec = sheet_spec(config, kind)
    lost: dict[str, list[str]] = {}
    count = 0

    def rows():
        nonlocal count
        for slug, row, left_out in export_rows(config, spec):
            count += 1
            if left_out:
                lost[slug] = left_out
            yield row

    write_sheet(out, spec.names, rows(), title=kind)
    return count, lost


# ---------------------------------------------------------------------------------------------
# Template


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
    from .catalogue import ontology_quads

    texts: dict[str, dict[str, str]] = {}
    for quad in ontology_quads(config):
        if quad.predicate.value == RDFS_LABEL and getattr(quad.object, "language", None):
            texts.setdefault(quad.subject.value, {})[quad.object.language] = quad.object.value
    return {iri: " / ".join(t for t in (labels.get("en"), labels.get("fr")) if t) for iri, labels in texts.items()}


def allowed_values(config: Config, spec: SheetSpec) -> tuple[dict[str, list[tuple[str, str, str]]], set[str]]:
    """For reference columns: the entities of the kind they name, or the concepts of the scheme
    (themes, events, audiences, currencies...) that the values used in data/ belong to; and the
    columns whose values in data/ are all web addresses."""
    from .catalogue import ontology_quads

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


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportResult:
    rows: int = 0
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    problems: list = field(default_factory=list)  # SheetProblem, or Problem outside the sheet


@dataclass
class Staged:
    row: int
    slug: str
    target: Path  # in data/
    staged: Path  # in the validation copy
    existed: bool


def dump_record(record: dict) -> str:
    return yaml.safe_dump(record, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def existing_path(config: Config, kind: str, slug: str) -> Path | None:
    for suffix in (".yaml", ".yml"):
        path = config.data_dir / kind / f"{slug}{suffix}"
        if path.exists():
            return path
    return None


def import_sheet(config: Config, sheet: Path, kind: str, update: bool = False,
                 display: str | None = None) -> ImportResult:
    """Convert `sheet` into data/{kind}/ sources: all files or none (see the module docstring)."""
    display = display or sheet.name
    spec = sheet_spec(config, kind)
    result = ImportResult()
    staging = config.var_dir / "imports" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    copy = staging / "data"
    try:
        try:
            rows = read_rows(sheet, display, kind)
            header, staged = _convert_rows(config, spec, rows, display, update, copy, result)
        except SheetError as err:
            result.problems = err.problems
            return result
        if result.problems or not staged:
            return result
        result.problems = _validate(config, copy, staged, spec, header, display)
        if result.problems:
            return result
        _move_into_data(config, staged, staging / "backup", result)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _convert_rows(config: Config, spec: SheetSpec, rows: Iterator[tuple[int, list]], display: str,
                  update: bool, copy: Path, result: ImportResult) -> tuple[Header | None, list[Staged]]:
    header: Header | None = None
    staged: list[Staged] = []
    slugs: dict[str, int] = {}
    problems = result.problems
    unnamed_reported: set[int] = set()
    for number, cells in rows:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(SheetProblem(display, number, "", f"stopped after {MAX_PROBLEMS} problems",
                                         "fix these first"))
            break
        if all(is_blank(c) for c in cells):
            continue
        if header is None:
            header, header_problems = read_header(spec, number, cells, display)
            if header_problems:
                problems.extend(header_problems)
                return header, []
            if not copy.exists():
                shutil.copytree(config.data_dir, copy, ignore=shutil.ignore_patterns(".*"))
            continue
        result.rows += 1
        where = RowContext(display, number, header)
        row_problems: list[SheetProblem] = []
        for index, cell in enumerate(cells):
            if is_blank(cell):
                continue
            if index not in header.positions and index not in unnamed_reported:
                unnamed_reported.add(index)
                row_problems.append(SheetProblem(display, number, column_letter(index),
                                                 "a value in a column without a name in row "
                                                 f"{header.row}", "name the column, or empty it"))
            elif isinstance(cell, Formula):
                column = header.positions.get(index)
                row_problems.append(where.problem(column, f"a formula ({cell}): the import reads values, not formulas",
                                                  "copy the cells and paste them as values (Paste Special > Values)"))
            elif isinstance(cell, CellError):
                row_problems.append(where.problem(header.positions.get(index), f"the cell holds the error {cell}",
                                                  "correct the cell or empty it"))
        if row_problems:
            problems.extend(row_problems)
            continue
        slug_column = spec.columns[0]
        raw_slug = cells[header.by_name["slug"]] if header.by_name["slug"] < len(cells) else None
        slug = cell_text(raw_slug)
        if not slug:
            problems.append(where.problem(slug_column, "empty, but the row has other values",
                                          "give the file name of the entity, e.g. ordinary-passport"))
            continue
        if not SLUG.match(slug):
            suggestion = suggest_slug(slug)
            problems.append(where.problem(slug_column, f'"{slug}" is not a valid slug',
                                          "use lowercase ASCII words joined by hyphens"
                                          + (f", e.g. {suggestion}" if suggestion else "")))
            continue
        if slug in slugs:
            problems.append(where.problem(slug_column, f"`{slug}` is already used in row {slugs[slug]}",
                                          "give each row its own slug, or merge the two rows"))
            continue
        slugs[slug] = number
        before = len(problems)
        record = row_record(spec, header, cells, where, problems)
        if len(problems) > before:
            continue
        existing = existing_path(config, spec.kind, slug)
        if existing and not update:
            problems.append(where.problem(slug_column, f"`{spec.kind}/{slug}` already exists "
                                          f"(data/{spec.kind}/{existing.name})",
                                          "choose a new slug, or import with --update to change it"))
            continue
        if existing:
            old = yaml.safe_load(existing.read_text(encoding="utf-8")) or {}
            merged = _merge(spec, header, slug, old, record, where, problems)
            if merged is None:
                continue
            if merged == old:  # the file keeps its layout and comments
                result.unchanged.append(existing)
                continue
            record = merged
        target = existing or config.data_dir / spec.kind / f"{slug}.yaml"
        staged_path = copy / spec.kind / target.name
        staged_path.parent.mkdir(parents=True, exist_ok=True)
        staged_path.write_text(dump_record(record), encoding="utf-8")
        staged.append(Staged(number, slug, target, staged_path, existing is not None))
    if header is None and not problems:
        problems.append(SheetProblem(display, 0, "", "the sheet is empty",
                                     f"start from `isoko import --template {spec.kind}`"))
    return header, staged


def _merge(spec: SheetSpec, header: Header, slug: str, old: dict, new: dict, where: RowContext,
           problems: list[SheetProblem]) -> dict | None:
    """--update: the columns of the sheet replace their values (empty cells remove them); the keys
    whose columns are not in the sheet are kept. A block is replaced whole, so it must not hold
    what the sheet cannot express or leaves out."""
    merged = dict(old)
    for group in spec.groups:
        columns = [c for c in group.columns if c.name in header.by_name]
        if not columns:
            continue
        if group.block:
            if group.key in old:
                old_cells, lost = group_cells_of(group, old[group.key])
                missing = [name for name in old_cells if name not in header.by_name]
                if lost or missing:
                    what = ", ".join(lost) if lost else "the columns " + ", ".join(missing)
                    problems.append(where.problem(
                        columns[0], f"cannot update `{group.key}` of {spec.kind}/{slug}: it holds "
                        f"{what}, which this sheet does not give",
                        (f"add the columns {', '.join(missing)}" if missing and not lost
                         else f"edit the YAML file in data/{spec.kind}/ instead")))
                    return None
            if group.key in new:
                merged[group.key] = new[group.key]
            else:
                merged.pop(group.key, None)
            continue
        if any(c.lang for c in columns):
            texts = dict(old.get(group.key) or {}) if isinstance(old.get(group.key), dict) else {}
            for column in columns:
                value = (new.get(group.key) or {}).get(column.lang)
                if value is None:
                    texts.pop(column.lang, None)
                else:
                    texts[column.lang] = value
            if texts:
                merged[group.key] = texts
            else:
                merged.pop(group.key, None)
        elif group.key in new:
            merged[group.key] = new[group.key]
        else:
            merged.pop(group.key, None)
    return merged


def _validate(config: Config, copy: Path, staged: list[Staged], spec: SheetSpec, header: Header,
              display: str) -> list:
    from .build import check_sources

    checked = dataclasses.replace(config, data_dir=copy)
    problems = check_sources(checked)
    if not problems:
        return []
    by_file = {s.staged.resolve(): s for s in staged}
    mapped: list = []
    elsewhere: list[Problem] = []
    line_maps: dict[Path, dict[int, tuple[str, int]]] = {}
    for problem in problems:
        path = Path(problem.file)
        path = (path if path.is_absolute() else config.root / path).resolve()
        entry = by_file.get(path)
        if entry is None:
            elsewhere.append(dataclasses.replace(problem, file=_original_path(problem.file, copy, config)))
            continue
        if path not in line_maps:
            line_maps[path] = _line_columns(spec, entry.staged)
        mapped.append(_sheet_problem(problem, entry, spec, header, line_maps[path], display))
    mapped.sort(key=lambda p: (p.row, len(p.column), p.column, p.message))
    if elsewhere:
        mapped.append(SheetProblem(display, 0, "", f"the catalogue has {len(elsewhere)} problem(s) outside this sheet",
                                   "fix them first (`isoko validate`): nothing is imported into a catalogue that does "
                                   "not validate"))
        mapped += elsewhere
    return mapped


def _original_path(file: str, copy: Path, config: Config) -> str:
    path = Path(file)
    path = (path if path.is_absolute() else config.root / path).resolve()
    try:
        relative = path.relative_to(copy.resolve())
    except ValueError:
        return file
    original = config.data_dir / relative
    try:
        return str(original.resolve().relative_to(config.root))
    except ValueError:
        return str(original)


def _line_columns(spec: SheetSpec, path: Path) -> dict[int, tuple[str, int]]:
    """Line of the staged YAML -> (column name, block number) written there."""
    record = read_yaml(path, str(path))
    lines: dict[int, tuple[str, int]] = {}
    for group in spec.groups:
        if group.key not in record:
            continue
        value = record[group.key]
        lines[record.key_lines[group.key]] = (group.columns[0].name, 0)
        items = value if isinstance(value, LineList) else [value]
        for number, item in enumerate(items, 1):
            if not isinstance(item, LineDict):
                continue
            for key, line in item.key_lines.items():
                column = next((c for c in group.columns if (c.lang == key if not group.block else c.sub == key)), None)
                if column:
                    lines[line] = (column.name, number if group.repeated else 0)
                inner = item[key]
                if isinstance(inner, LineDict):
                    for lang, lang_line in inner.key_lines.items():
                        column = next((c for c in group.columns if c.sub == key and c.lang == lang), None)
                        if column:
                            lines[lang_line] = (column.name, number if group.repeated else 0)
    return lines


LANGUAGE_HINTS = {"fr": ("French", "{fr:"), "en": ("English", "{en:"), "rn": ("Kirundi", "{rn:")}


def _sheet_problem(problem: Problem, entry: Staged, spec: SheetSpec, header: Header,
                   lines: dict[int, tuple[str, int]], display: str) -> SheetProblem:
    """A validation problem of a staged file, as `sheet:row:column`."""
    name, number = "", 0
    focus = problem.focus
    block = ""
    if "#" in focus:
        fragment = focus.split("#", 1)[1]
        block_name, _, position = fragment.rpartition("-")
        block = block_name.replace("-", "_")
        number = int(position) if position.isdigit() else 0
    group = spec.group(block or problem.path) if (block or problem.path) else None
    if group:
        field_name = problem.path if block else ""
        candidates = [c for c in group.columns if not block or c.sub == field_name] or group.columns
        hinted = [c for c in candidates if c.lang and any(h in problem.message for h in LANGUAGE_HINTS[c.lang])]
        name = (hinted or candidates)[0].name
        if not group.repeated:
            number = 0
    elif problem.line in lines:
        name, number = lines[problem.line]
    header_index = header.by_name.get(name) if name else None
    letter = column_letter(header_index) if header_index is not None else ""
    message = problem.message.replace(f"(value: {spec.id_base}", "(value: ")  # kind/slug, as in the sheet
    if number and group and group.repeated:
        message += f" ({_ordinal(number)} {group.key})"
    prefix = f"{name}: " if name else ""
    fix = problem.fix
    if name and header_index is None:
        fix = (fix + "; " if fix else "") + f"add a column `{name}`"
    return SheetProblem(display, entry.row, letter, prefix + message, fix)


def _move_into_data(config: Config, staged: list[Staged], backup: Path, result: ImportResult) -> None:
    """Copy the validated files into data/, under the build lock; restore everything on failure."""
    from .build import _lock

    done: list[tuple[Staged, Path | None]] = []
    with _lock(config.var_dir / ".build.lock"):
        try:
            for entry in staged:
                saved = None
                if entry.existed:
                    backup.mkdir(parents=True, exist_ok=True)
                    saved = backup / f"{entry.slug}{entry.target.suffix}"
                    shutil.copy2(entry.target, saved)
                entry.target.parent.mkdir(parents=True, exist_ok=True)
                temporary = entry.target.with_name(f".{entry.target.name}.import")
                shutil.copyfile(entry.staged, temporary)
                temporary.replace(entry.target)
                done.append((entry, saved))
                (result.updated if entry.existed else result.created).append(entry.target)
        except BaseException:
            for entry, saved in reversed(done):
                if saved is not None:
                    shutil.copyfile(saved, entry.target)
                else:
                    entry.target.unlink(missing_ok=True)
            for entry in staged:
                entry.target.with_name(f".{entry.target.name}.import").unlink(missing_ok=True)
            result.created, result.updated = [], []
            raise


# ---------------------------------------------------------------------------------------------
# Command line (registered in isoko/cli.py)


@click.command("import")
@click.argument("sheet", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), help="What the rows describe.")
@click.option("--update", is_flag=True, help="Allow rows whose slug exists in data/: change the values of the sheet's columns.")
@click.option("--template", "template_kind", type=click.Choice(IMPORT_KINDS), metavar="KIND",
              help="Write an empty sheet for KIND (procedure or institution) instead of importing.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where --template writes (.xlsx with a README sheet, or .csv); default KIND-template.xlsx.")
@click.pass_obj
def import_command(config: Config, sheet: Path | None, kind: str | None, update: bool,
                   template_kind: str | None, output: Path | None) -> None:
    """Convert a sheet (.csv or .xlsx, one row per entity) into data/ sources, all or none.

    Columns: `slug`, then one per key (title_fr, title_en, authority, fee_amount...); several values
    in a cell are separated by `;`. `isoko import --template procedure` writes a sheet to start from."""
    if template_kind:
        out = output or Path(f"{template_kind}-template.xlsx")
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise click.UsageError("-o must name a .csv or .xlsx file")
        template(config, template_kind, out)
        click.echo(f"wrote {out}: the {template_kind} columns, an example row"
                   + (" and a README sheet" if out.suffix.lower() == ".xlsx" else ""))
        return
    if sheet is None or kind is None:
        raise click.UsageError("give a SHEET and --kind (or --template KIND)")
    if not sheet.is_file():
        raise click.UsageError(f"{sheet}: no such file")
    from .build import BuildBusy

    try:
        result = import_sheet(config, sheet, kind, update)
    except BuildBusy as err:
        click.echo(f"import refused: {err}; nothing was written", err=True)
        sys.exit(2)
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        click.echo(f"\nimport failed: {len(result.problems)} problem(s); data/ is unchanged", err=True)
        sys.exit(1)
    click.echo(f"imported {result.rows} row(s) from {sheet.name}: {len(result.created)} created, "
               f"{len(result.updated)} updated, {len(result.unchanged)} unchanged")
    for path in result.created + result.updated:
        click.echo(f"  {_shown(path, config)}")


@click.command("export")
@click.argument("sheet", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), required=True)
@click.pass_obj
def export_command(config: Config, sheet: Path, kind: str) -> None:
    """Write the KIND sources of data/ to SHEET (.csv or .xlsx) with the columns of `isoko import`."""
    if sheet.suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError("SHEET must be a .csv or .xlsx file")
    count, lost = export(config, kind, sheet)
    for slug, keys in lost.items():
        click.echo(f"{kind}/{slug}: not exported (a sheet cannot express it): {', '.join(keys)}", err=True)
    click.echo(f"exported {count} {kind}(s) to {sheet}")


def _shown(path: Path, config: Config) -> str:
    try:
        return str(path.resolve().relative_to(config.root))
    except ValueError:
        return str(path)
