"""Sheet files: reading CSV (checked to be UTF-8, delimiter sniffed) and XLSX row by row, streamed,
and writing a CSV or a streamed XLSX with an optional README sheet."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from pathlib import Path
from typing import Iterable, Iterator

import click

from .cells import CellError, Formula, cell_text
from .problems import SheetError, SheetProblem, column_letter

README_SHEET = "README"


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
