"""Spreadsheet import (issue 4; loaders/spreadsheet/importer.py): imports that validate and build, rows
and slugs checked, formula cells refused, atomicity, the problem limit, and the command line.
The other spreadsheet tests are in tests/test_spreadsheet_*.py."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from isoko.cli import main
from loaders.build import build, check_sources
from loaders.spreadsheet import MAX_PROBLEMS, import_sheet
from tests.spreadsheet_helpers import (
    INSTITUTION, PROCEDURE, imported, load, messages, snapshot, table, write_csv, write_xlsx,
)


def test_import_csv_creates_files_that_validate_and_build(config, tmp_path):
    sheet = write_csv(tmp_path / "ministere.csv", table(PROCEDURE))
    result = imported(config, sheet, "procedure")
    assert result.rows == 1 and [p.name for p in result.created] == ["national-id-card.yaml"]
    record = load(config.data_dir / "procedure/national-id-card.yaml")
    assert record["title"] == {"fr": "Obtenir la carte nationale d'identité", "en": "Get a national identity card"}
    assert record["description"]["fr"] == "Demande à la commune ; photo prise sur place."  # `;` in a text cell
    assert record["authority"] == ["institution/registry", "institution/police"]
    assert record["fee"] == [
        {"amount": 20000, "currency": "BIF", "date": dt.date(2024, 1, 15), "description": {"fr": "Carte ; délivrance"},
         "source": ["https://example.org/fees", "https://example.org/fees2"]},
        {"amount": 5000, "currency": "BIF", "description": {"fr": "Duplicata"}, "source": ["https://example.org/dup"]},
    ]
    assert record["conditions"] == [{"title": {"fr": "Avoir 16 ans", "en": "Be 16 or older"}},
                                    {"title": {"fr": "Résider au Burundi", "en": "Live in Burundi"}}]
    assert record["keyword"] == {"fr": ["CNI", "carte d'identité"]}
    assert record["checked"] == dt.date(2026, 11, 26) and record["needs_review"] == ["rn"]
    assert check_sources(config) == []
    info = build(config)
    assert info.procedures == 3
    assert not list((config.var_dir / "imports").glob("*"))  # the staging copy is gone


def test_import_xlsx_with_dates_numbers_and_semicolon_csv(config, tmp_path):
    institution = dict(INSTITUTION, slug="bureau-xlsx")
    procedure = dict(PROCEDURE, authority="institution/bureau-xlsx", fee_amount=15000, fee_currency="BIF",
                     fee_description_fr="Carte", fee_date=dt.date(2024, 1, 15), fee_source="https://example.org/fees",
                     checked=dt.datetime(2026, 11, 26, 14, 30))
    imported(config, write_xlsx(tmp_path / "bureaux.xlsx", table(institution)), "institution")
    record = load(config.data_dir / "institution/bureau-xlsx.yaml")
    assert record["address"] == {"full": {"fr": "Avenue de la Mission 1, Bujumbura"}}
    assert record["contact"] == [{"email": "bureau@example.bi", "telephone": "+257 22 00 00 00"},
                                 {"telephone": "71450450"}]
    imported(config, write_xlsx(tmp_path / "procedures.xlsx", table(procedure), title="procedure"), "procedure")
    record = load(config.data_dir / "procedure/national-id-card.yaml")
    assert record["checked"] == dt.date(2026, 11, 26)  # a datetime cell -> YYYY-MM-DD
    assert record["fee"][0]["amount"] == 15000 and record["fee"][0]["date"] == dt.date(2024, 1, 15)
    # French Excel: `;` between cells, UTF-8 with a BOM
    other = dict(INSTITUTION, slug="bureau-csv", address_fr="Rue 1; Bujumbura")
    sheet = write_csv(tmp_path / "fr.csv", table(other), delimiter=";", encoding="utf-8-sig")
    imported(config, sheet, "institution")
    assert load(config.data_dir / "institution/bureau-csv.yaml")["name"]["fr"] == "Bureau communal"
    assert build(config).procedures == 3


def test_empty_rows_are_skipped_and_rows_keep_their_numbers(config, tmp_path):
    rows = table(INSTITUTION, dict(INSTITUTION, slug="second-office", parent="institution/nowhere"))
    rows.insert(1, [""] * len(rows[0]))
    rows.insert(1, [])
    sheet = write_csv(tmp_path / "gaps.csv", rows)
    result = import_sheet(config, sheet, "institution")
    assert messages(result) == [
        "gaps.csv:5:E: parent: `parent` names an institution that is not in the catalogue: create it or fix "
        "the slug (value: institution/nowhere)"]
    sheet = write_csv(tmp_path / "gaps.csv", rows[:-1] + [[""] * 3, ["  ", ""]])
    assert imported(config, sheet, "institution").rows == 1


def test_bad_slug_duplicate_slug_and_row_without_slug(config, tmp_path):
    rows = table(dict(INSTITUTION, slug="Bureau Communal (Muha)"), INSTITUTION, dict(INSTITUTION),
                 dict(INSTITUTION, slug=""))
    result = import_sheet(config, write_csv(tmp_path / "s.csv", rows), "institution")
    assert messages(result) == [
        's.csv:2:A: slug: "Bureau Communal (Muha)" is not a valid slug\n'
        "    fix: use lowercase ASCII words joined by hyphens, e.g. bureau-communal-muha",
        "s.csv:4:A: slug: `communal-office` is already used in row 3\n"
        "    fix: give each row its own slug, or merge the two rows",
        "s.csv:5:A: slug: empty, but the row has other values\n"
        "    fix: give the file name of the entity, e.g. ordinary-passport",
    ]


def test_formulas_and_error_cells_in_xlsx(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_amount="=1000*20", fee_currency="BIF", fee_date="", fee_source="",
                      fee_description_fr=""))
    rows.append(["other-one", "=A2", *([""] * (len(rows[0]) - 2))])
    result = import_sheet(config, write_xlsx(tmp_path / "ministere.xlsx", rows), "procedure")
    assert messages(result) == [
        "ministere.xlsx:2:I: fee_amount: a formula (=1000*20): the import reads values, not formulas\n"
        "    fix: copy the cells and paste them as values (Paste Special > Values)",
        "ministere.xlsx:3:B: title_fr: a formula (=A2): the import reads values, not formulas\n"
        "    fix: copy the cells and paste them as values (Paste Special > Values)",
    ]


def test_atomic_one_bad_row_writes_nothing(config, tmp_path):
    good = [dict(INSTITUTION, slug=f"office-{n}") for n in range(3)]
    bad = dict(INSTITUTION, slug="office-bad", parent="institution/missing")
    sheet = write_csv(tmp_path / "offices.csv", table(*good[:2], bad, good[2]))
    before = snapshot(config.data_dir)
    result = import_sheet(config, sheet, "institution")
    assert messages(result) == [
        "offices.csv:4:E: parent: `parent` names an institution that is not in the catalogue: create it or fix "
        "the slug (value: institution/missing)"]
    assert result.created == [] and snapshot(config.data_dir) == before
    # the same sheet with the row fixed: all four files at once
    write_csv(sheet, table(*good[:2], dict(bad, parent="institution/office-0"), good[2]))
    assert len(imported(config, sheet, "institution").created) == 4


def test_too_many_problems_stop_the_reading(config, tmp_path):
    rows = [["slug", "name_fr"]] + [[f"Bad Slug {n}", "x"] for n in range(MAX_PROBLEMS + 50)]
    result = import_sheet(config, write_csv(tmp_path / "bad.csv", rows), "institution")
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert str(result.problems[-1]).startswith(f"bad.csv:{MAX_PROBLEMS + 2}: stopped after {MAX_PROBLEMS} problems")


def test_cli_import_and_export(config, tmp_path):
    env = {"ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir)}
    out = tmp_path / "procedures.xlsx"
    result = CliRunner().invoke(main, ["export", "--kind", "procedure", str(out)], env=env)
    assert result.exit_code == 0 and "exported 2 procedure(s)" in result.output
    sheet = write_csv(tmp_path / "new.csv", table(PROCEDURE))
    result = CliRunner().invoke(main, ["import", str(sheet), "--kind", "procedure"], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 1 row(s) from new.csv: 1 created, 0 updated, 0 unchanged" in result.output
    result = CliRunner().invoke(main, ["import", str(sheet), "--kind", "procedure"], env=env)
    assert result.exit_code == 1 and "new.csv:2:A: slug: `procedure/national-id-card` already exists" in result.output
