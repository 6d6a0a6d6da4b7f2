"""Reading sheet files (loaders/spreadsheet/files.py): a CSV that is not UTF-8 reported with its row,
and huge CSV and XLSX sheets read in little memory."""

from __future__ import annotations

import csv
import tracemalloc

import openpyxl

from loaders.spreadsheet import import_sheet, read_rows
from tests.spreadsheet_helpers import messages


def test_csv_that_is_not_utf8(config, tmp_path):
    sheet = tmp_path / "ministere.csv"
    sheet.write_bytes("slug,name_fr\nok,Bureau\nbad,Minist\u00e8re\n".encode("cp1252"))
    result = import_sheet(config, sheet, "institution")
    assert messages(result) == [
        "ministere.csv:3: not UTF-8 text: byte 0xE8 at byte offset 33 (invalid continuation byte); the file was "
        "probably saved as Windows-1252/Latin-1 (\"CSV (Comma delimited)\")\n"
        '    fix: save it again as "CSV UTF-8 (Comma delimited) (*.csv)" (Excel: File > Save As), '
        'or with the character set "Unicode (UTF-8)" (LibreOffice)']
    sheet.write_bytes("slug,name_fr\n".encode("utf-16"))
    assert "UTF-16" in messages(import_sheet(config, sheet, "institution"))[0]


def test_huge_sheets_are_streamed(tmp_path):
    rows = 60_000
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slug", "name_fr", "note_fr"])
        for n in range(rows):
            writer.writerow([f"office-{n}", f"Bureau {n}", "x" * 100])
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("institution")
    for n in range(10_000):
        sheet.append([f"office-{n}", f"Bureau {n}", "x" * 100])
    workbook.save(tmp_path / "huge.xlsx")
    for sheet_path, expected in ((path, rows + 1), (tmp_path / "huge.xlsx", 10_000)):
        tracemalloc.start()
        count = sum(1 for _ in read_rows(sheet_path, sheet_path.name, "institution"))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == expected
        assert peak < 3 * 1024 * 1024, f"{sheet_path.name}: {peak} bytes"  # the files hold 7 MB / 1.2 MB of cells
