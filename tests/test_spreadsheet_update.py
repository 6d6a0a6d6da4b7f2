"""`--update` (loaders/spreadsheet/update.py): an existing slug is changed only with --update, and never
loses what the sheet leaves out."""

from __future__ import annotations

from loaders.spreadsheet import import_sheet
from tests.spreadsheet_helpers import imported, load, messages, snapshot, table, write_csv


def test_existing_slug_needs_update(config, tmp_path):
    rows = table({"slug": "passport", "processing_time": "P5D", "note_en": "Faster since 2026."})
    sheet = write_csv(tmp_path / "u.csv", rows)
    before = snapshot(config.data_dir)
    result = import_sheet(config, sheet, "procedure")
    assert messages(result) == ["u.csv:2:A: slug: `procedure/passport` already exists (data/procedure/passport.yaml)\n"
                                "    fix: choose a new slug, or import with --update to change it"]
    assert snapshot(config.data_dir) == before
    old = load(config.data_dir / "procedure/passport.yaml")
    result = imported(config, sheet, "procedure", update=True)
    assert [p.name for p in result.updated] == ["passport.yaml"]
    new = load(config.data_dir / "procedure/passport.yaml")
    assert new == {**old, "processing_time": "P5D", "note": {"en": "Faster since 2026."}}
    # an empty cell in a column of the sheet removes the value
    write_csv(sheet, table({"slug": "passport", "processing_time": "", "note_en": "Faster since 2026."}))
    imported(config, sheet, "procedure", update=True)
    assert "processing_time" not in load(config.data_dir / "procedure/passport.yaml")


def test_update_refuses_to_drop_what_the_sheet_leaves_out(config, tmp_path):
    sheet = write_csv(tmp_path / "u.csv", table({"slug": "passport", "fee_amount": "240000"}))
    result = import_sheet(config, sheet, "procedure", update=True)
    assert messages(result) == [
        "u.csv:2:B: fee_amount: cannot update `fee` of procedure/passport: it holds the columns fee_currency, "
        "fee_date, which this sheet does not give\n    fix: add the columns fee_currency, fee_date"]
