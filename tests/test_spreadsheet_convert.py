"""Rows -> records (loaders/spreadsheet/convert.py): header problems, parallel columns of repeated
blocks, amounts, dates and references, each reported as an exact `file:row:column`."""

from __future__ import annotations

from loaders.spreadsheet import import_sheet
from tests.spreadsheet_helpers import INSTITUTION, PROCEDURE, messages, table, write_csv


def test_unknown_and_duplicated_headers(config, tmp_path):
    sheet = write_csv(tmp_path / "ministere.csv", [["slug", "title_fr", "titre_en", "title_fr"], ["x", "a", "b", "c"]])
    result = import_sheet(config, sheet, "procedure")
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (1, "C", "unknown column `titre_en`"),
        (1, "D", "column `title_fr` appears twice (also column B)"),
    ]
    assert result.problems[0].fix.startswith("did you mean `title_en`? allowed columns: slug, title_rn, title_fr, ")
    assert "fee_amount" in result.problems[0].fix
    assert str(result.problems[1]) == ("ministere.csv:1:D: column `title_fr` appears twice (also column B)\n"
                                       "    fix: keep one of the two columns")
    assert not (config.data_dir / "procedure/x.yaml").exists()


def test_missing_slug_column_and_value_without_header(config, tmp_path):
    result = import_sheet(config, write_csv(tmp_path / "a.csv", [["name_fr", "name_en"], ["A", "B"]]), "institution")
    assert messages(result)[0].startswith("a.csv:1: no `slug` column\n    fix: add a column named `slug`")
    result = import_sheet(config, write_csv(tmp_path / "b.csv", [["slug", "", "name_fr"], ["b", "lost", "B"]]),
                          "institution")
    assert messages(result) == ["b.csv:2:B: a value in a column without a name in row 1\n"
                                "    fix: name the column, or empty it"]


def test_parallel_fee_columns_must_match(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_currency="BIF", fee_date="", fee_source="", fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "fees.csv", rows), "procedure")
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rows[0].index("fee_currency")]
    assert [str(p).split("\n")[0] for p in result.problems] == [
        f"fees.csv:2:{letter}: fee_currency: 1 value(s), but fee_amount has 2"]
    assert "leave the place empty (`a;;c`)" in result.problems[0].fix
    rows = table(dict(PROCEDURE, fee_amount="20000;;5000", fee_currency="BIF;;BIF", fee_date="", fee_source="",
                      fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "fees.csv", rows), "procedure")
    assert messages(result)[0].startswith("fees.csv:2:I: fee_amount: the 2nd fee has no value in any fee_ column")


def test_ambiguous_amount_is_an_error_with_its_cell(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_amount="20,000", fee_currency="BIF", fee_date="", fee_source="",
                      fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "ministere.csv", rows), "procedure")
    assert messages(result) == [
        'ministere.csv:2:I: fee_amount: "20,000" is ambiguous: 20000 with a thousands separator, or 20 with decimals'
        "\n    fix: write the number with digits only, e.g. 20000 (the currency goes in its own column)"]


def test_dates_must_be_iso(config, tmp_path):
    result = import_sheet(config, write_csv(tmp_path / "d.csv", table(dict(PROCEDURE, checked="26/11/2026"))),
                          "procedure")
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[list(PROCEDURE).index("checked")]
    assert messages(result) == [f'd.csv:2:{letter}: checked: "26/11/2026" is not a date written YYYY-MM-DD\n'
                                "    fix: write e.g. 2026-11-26, or format the cell as a date"]


def test_references_cannot_hold_spaces(config, tmp_path):
    rows = table(dict(INSTITUTION, parent="Service de l'état civil"))
    result = import_sheet(config, write_csv(tmp_path / "r.csv", rows), "institution")
    assert messages(result)[0].startswith(
        "r.csv:2:E: parent: \"Service de l'état civil\" is not a reference: no spaces in `kind/slug`, codes or URLs")
