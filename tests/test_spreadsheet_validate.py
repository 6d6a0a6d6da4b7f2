"""Validation of an import with the catalogue (loaders/spreadsheet/validate.py): shape problems mapped
back to `file:row:column`, and problems outside the sheet blocking the import."""

from __future__ import annotations

from loaders.spreadsheet import import_sheet
from tests.spreadsheet_helpers import INSTITUTION, PROCEDURE, messages, snapshot, table, write_csv


def test_rows_with_only_some_cells_are_checked_with_the_catalogue(config, tmp_path):
    rows = table({"slug": "half-done", "title_fr": "À moitié", "title_en": "", "description_fr": "D",
                  "authority": "institution/police", "source": "", "checked": "2026-11-26"})
    result = import_sheet(config, write_csv(tmp_path / "partial.csv", rows), "procedure")
    assert messages(result) == [
        "partial.csv:2: description_en: an English description is missing: add `description: {en: ...}`\n"
        "    fix: add a column `description_en`",
        "partial.csv:2:C: title_en: an English title is missing: add `title: {en: ...}`",
        "partial.csv:2:F: source: every procedure needs `source:` with the URL of the public page its facts come from",
    ]


def test_fee_errors_from_the_shapes_point_at_the_fee(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_amount="20000; 5000", fee_currency="BIF; EURO", fee_date="", fee_source="",
                      fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "fees.csv", rows), "procedure")
    assert messages(result) == [
        "fees.csv:2:J: fee_currency: `currency` must be an ISO 4217 code such as BIF, USD or EUR "
        "(value: http://publications.europa.eu/resource/authority/currency/EURO) (2nd fee)"]


def test_problems_elsewhere_in_the_catalogue_block_the_import(config, tmp_path):
    (config.data_dir / "document/broken.yaml").write_text("title: {fr: Cassé}\ntype: doctype:nothing\n")
    before = snapshot(config.data_dir)
    result = import_sheet(config, write_csv(tmp_path / "ok.csv", table(INSTITUTION)), "institution")
    assert str(result.problems[0]).startswith("ok.csv: the catalogue has 1 problem(s) outside this sheet")
    assert result.problems[1].file.endswith("data/document/broken.yaml") and "/imports/" not in result.problems[1].file
    assert snapshot(config.data_dir) == before
