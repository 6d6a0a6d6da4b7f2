"""Spreadsheet import/export (issue 4): templates, imports that validate and build, round trips
(fixture and real catalogue), every hard case as an exact `file:row:column` report, atomicity."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import shutil
import tracemalloc
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from isoko.cli import main
from isoko.config import ROOT, Config
from loaders.build import build, check_sources
from loaders.spreadsheet import (
    MAX_PROBLEMS, README_SHEET, export, import_sheet, parse_amount, read_rows, sheet_spec, split_values,
    template,
)
from tests.conftest import FIXTURE

PROCEDURE = {
    "slug": "national-id-card",
    "title_fr": "Obtenir la carte nationale d'identité",
    "title_en": "Get a national identity card",
    "description_fr": "Demande à la commune ; photo prise sur place.",
    "description_en": "Apply at the commune.",
    "authority": "institution/registry; institution/police",
    "requires": "document/birth-certificate",
    "theme": "theme/travel",
    "fee_amount": "20 000; 5000",
    "fee_currency": "BIF; BIF",
    "fee_description_fr": r"Carte \; délivrance;Duplicata",
    "fee_date": "2024-01-15;",
    "fee_source": "https://example.org/fees | https://example.org/fees2; https://example.org/dup",
    "conditions_title_fr": "Avoir 16 ans; Résider au Burundi",
    "conditions_title_en": "Be 16 or older; Live in Burundi",
    "keyword_fr": "CNI; carte d'identité;",
    "processing_time": "P5D",
    "source": "https://example.org/cni",
    "checked": "2026-11-26",
    "needs_review": "rn",
}
INSTITUTION = {
    "slug": "communal-office",
    "name_fr": "Bureau communal",
    "name_en": "Communal office",
    "acronym": "BC",
    "parent": "institution/registry",
    "place": "place/burundi",
    "address_fr": "Avenue de la Mission 1, Bujumbura",
    "contact_telephone": "+257 22 00 00 00; 71450450",
    "contact_email": "bureau@example.bi;",
    "source": "https://example.org/commune",
}


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], title: str = "Sheet1") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def table(*records: dict) -> list[list]:
    """Header (union of the keys, in order) + one row per record."""
    header = list(dict.fromkeys(k for r in records for k in r))
    return [header] + [[r.get(k, "") for k in header] for r in records]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def imported(config: Config, sheet: Path, kind: str, **options):
    result = import_sheet(config, sheet, kind, **options)
    assert not result.problems, "\n".join(messages(result))
    return result


# --- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["procedure", "institution"])
def test_template_xlsx_has_columns_example_and_readme(config, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    template(config, kind, out)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == [kind, README_SHEET]
    rows = list(workbook[kind].iter_rows(values_only=True))
    assert len(rows) == 2 and list(rows[0]) == sheet_spec(config, kind).names
    header, example = rows
    readme = "\n".join(" | ".join(str(c) for c in row if c is not None)
                       for row in workbook[README_SHEET].iter_rows(values_only=True))
    assert "separate them with `;`" in readme and "separated by `|`" in readme and "paste them as values" in readme
    assert "Not in the sheet" in readme and "identifier" in readme
    if kind == "procedure":
        for column in ("title_rn", "title_fr", "title_en", "fee_amount", "fee_currency", "fee_date",
                       "fee_description_fr", "fee_description_en", "fee_source", "conditions_title_fr", "theme"):
            assert column in header
        assert example[0] == "passport"  # the most complete fixture procedure
        assert dict(zip(header, example))["fee_amount"] == 235000
        assert dict(zip(header, example))["fee_date"] == dt.datetime(2011, 3, 2)  # a real date cell
        # allowed values: themes, events, currencies, and the entities that can be named
        for value in ("theme/travel | Documents de voyage | Travel documents", "event/travelling-abroad",
                      "BIF | franc burundais", "institution/police", "document/birth-certificate"):
            assert value in readme, value
        assert "fee_amount | yes, in each fee block" in readme
        assert "title_fr | yes" in readme and "checked | yes" in readme
    else:
        for column in ("name_fr", "acronym", "parent", "address_rn", "address_fr", "address_en",
                       "contact_telephone", "contact_email", "contact_page"):
            assert column in header
        assert "address_full_fr" not in header and "contact_contact_page" not in header
        assert example[0] == "police"


def test_template_of_the_real_catalogue_lists_what_data_uses(real_config, tmp_path):
    """Value lists come from the schemes of the values data/ uses (here: audiences, document types)."""
    template(real_config, "procedure", tmp_path / "p.xlsx")
    readme = "\n".join(" | ".join(str(c) for c in row if c is not None)
                       for row in openpyxl.load_workbook(tmp_path / "p.xlsx")[README_SHEET].iter_rows(values_only=True))
    for value in ("Values for for", "audience:citizens | Particuliers | Citizens", "Values for theme",
                  "Values for event", "Values for fee_currency", "USD | dollar des États-Unis"):
        assert value in readme, value


def test_template_csv_and_cli(config, tmp_path):
    env = {"ISOKO_DATA": str(config.data_dir), "ISOKO_VAR": str(config.var_dir)}
    out = tmp_path / "institution.csv"
    result = CliRunner().invoke(main, ["import", "--template", "institution", "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == sheet_spec(config, "institution").names and len(rows) == 2
    # importing the template as it is fails: its example is an existing entity
    result = CliRunner().invoke(main, ["import", str(out), "--kind", "institution"], env=env)
    assert result.exit_code == 1
    assert "institution.csv:2:A: slug: `institution/police` already exists" in result.output
    assert "data/ is unchanged" in result.output


# --- valid imports -------------------------------------------------------------------------------


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


# --- round trips ---------------------------------------------------------------------------------


def round_trip(source: Config, target: Config, folder: Path, suffix: str) -> dict[str, int]:
    """Export `source`'s procedures and institutions, remove them from `target`, import them back
    (institutions first, while the procedures that name them are still there); compare records."""
    counts = {}
    for kind in ("institution", "procedure"):
        sheet = folder / f"{kind}{suffix}"
        count, lost = export(source, kind, sheet)
        assert lost == {}, lost
        for path in (target.data_dir / kind).glob("*.yaml"):
            path.unlink()
        result = imported(target, sheet, kind)
        assert len(result.created) == count == result.rows
        counts[kind] = count
        originals = sorted((source.data_dir / kind).glob("*.y*ml"))
        assert [p.stem for p in originals] == sorted(p.stem for p in (target.data_dir / kind).glob("*.yaml"))
        for original in originals:
            before, after = load(original), load(target.data_dir / kind / f"{original.stem}.yaml")
            assert set(before) == set(after), original.name
            for key in before:
                assert after[key] == before[key], (original.name, key)
    return counts


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_of_the_fixture_catalogue(config, tmp_path, suffix):
    fresh_data = tmp_path / "fresh"
    shutil.copytree(FIXTURE, fresh_data)
    fresh = dataclasses.replace(config, data_dir=fresh_data, var_dir=tmp_path / "fresh-var")
    assert round_trip(config, fresh, tmp_path, suffix) == {"institution": 2, "procedure": 2}
    assert check_sources(fresh) == []
    # and an unchanged sheet imported with --update changes nothing, not even the layout
    before = snapshot(fresh_data)
    result = imported(fresh, tmp_path / f"procedure{suffix}", "procedure", update=True)
    assert (len(result.unchanged), result.created, result.updated) == (2, [], [])
    assert snapshot(fresh_data) == before


def test_round_trip_of_separators_inside_values(config, tmp_path):
    tricky = {
        "title": {"fr": "Titre ; avec | signes", "en": "Title; with | signs \\ backslash"},
        "description": {"fr": "D", "en": "D"},
        "authority": ["institution/police"],
        "keyword": {"fr": ["a;b", "c|d", "e\\"]},
        "fee": [{"amount": 1000.5, "currency": "BIF", "description": {"fr": "x; y | z"}, "date": "2023",
                 "source": ["https://example.org/a", "https://example.org/b"]},
                {"amount": 0, "currency": "USD", "source": ["https://example.org/c"]}],
        "conditions": [{"title": {"fr": "Avoir; 18 ans"}}],
        "source": ["https://example.org/t"],
        "checked": dt.date(2026, 11, 26),
    }
    path = config.data_dir / "procedure/tricky.yaml"
    path.write_text(yaml.safe_dump(tricky, allow_unicode=True, sort_keys=False), encoding="utf-8")
    sheet = tmp_path / "tricky.csv"
    export(config, "procedure", sheet)
    row = {r["slug"]: r for r in csv.DictReader(sheet.open(encoding="utf-8-sig"))}["tricky"]
    assert row["fee_source"] == "https://example.org/a | https://example.org/b; https://example.org/c"
    assert row["fee_description_fr"] == r"x\; y \| z;" and row["keyword_fr"] == r"a\;b; c\|d; e\\"
    assert row["title_fr"] == "Titre ; avec | signes"  # one text: nothing to escape
    assert (row["fee_amount"], row["fee_date"]) == ("1000.5; 0", "2023;")
    for other in (config.data_dir / "procedure").glob("*.yaml"):
        other.unlink()
    imported(config, sheet, "procedure")
    assert load(path) == tricky


def test_round_trip_of_the_real_catalogue(tmp_path):
    real = Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path / "var")
    copy = tmp_path / "data"
    shutil.copytree(real.data_dir, copy)
    target = dataclasses.replace(real, data_dir=copy, var_dir=tmp_path / "var-copy")
    counts = round_trip(real, target, tmp_path, ".csv")
    assert counts["procedure"] == len(list((ROOT / "data/procedure").glob("*.yaml"))) > 50
    assert counts["institution"] == len(list((ROOT / "data/institution").glob("*.yaml"))) > 50
    print(f"real catalogue round trip: {counts}")


# --- hard cases ----------------------------------------------------------------------------------


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


def test_fee_errors_from_the_shapes_point_at_the_fee(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_amount="20000; 5000", fee_currency="BIF; EURO", fee_date="", fee_source="",
                      fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "fees.csv", rows), "procedure")
    assert messages(result) == [
        "fees.csv:2:J: fee_currency: `currency` must be an ISO 4217 code such as BIF, USD or EUR "
        "(value: http://publications.europa.eu/resource/authority/currency/EURO) (2nd fee)"]


@pytest.mark.parametrize("text, value", [
    ("20000", 20000), ("20 000", 20000), ("1 234 567", 1234567), ("20\u00a0000", 20000), ("20\u202f000", 20000),
    ("1,000,000", 1000000), ("1.000.000", 1000000), ("20 000,50", 20000.5), ("20,000.50", 20000.5),
    ("20.000,50", 20000.5), ("12.5", 12.5), ("12,5", 12.5), ("0", 0), ("100.00", 100), (" 7 ", 7),
])
def test_amounts_accepted(text, value):
    assert parse_amount(text) == (value, "")
    assert type(parse_amount(text)[0]) is type(value)


@pytest.mark.parametrize("text, why", [
    ("20,000", '"20,000" is ambiguous: 20000 with a thousands separator, or 20 with decimals'),
    ("20.000", '"20.000" is ambiguous: 20000 with a thousands separator, or 20 with decimals'),
    ("20000 BIF", '"20000 BIF" is not a number'),
    ("1,000.000,5", '"1,000.000,5" is not a number'),
    ("20 00", '"20 00" is not a number'),
    ("gratuit", '"gratuit" is not a number'),
])
def test_amounts_refused(text, why):
    assert parse_amount(text) == (None, why)


def test_ambiguous_amount_is_an_error_with_its_cell(config, tmp_path):
    rows = table(dict(PROCEDURE, fee_amount="20,000", fee_currency="BIF", fee_date="", fee_source="",
                      fee_description_fr=""))
    result = import_sheet(config, write_csv(tmp_path / "ministere.csv", rows), "procedure")
    assert messages(result) == [
        'ministere.csv:2:I: fee_amount: "20,000" is ambiguous: 20000 with a thousands separator, or 20 with decimals'
        "\n    fix: write the number with digits only, e.g. 20000 (the currency goes in its own column)"]


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


def test_problems_elsewhere_in_the_catalogue_block_the_import(config, tmp_path):
    (config.data_dir / "document/broken.yaml").write_text("title: {fr: Cassé}\ntype: doctype:nothing\n")
    before = snapshot(config.data_dir)
    result = import_sheet(config, write_csv(tmp_path / "ok.csv", table(INSTITUTION)), "institution")
    assert str(result.problems[0]).startswith("ok.csv: the catalogue has 1 problem(s) outside this sheet")
    assert result.problems[1].file.endswith("data/document/broken.yaml") and "/imports/" not in result.problems[1].file
    assert snapshot(config.data_dir) == before


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


def test_too_many_problems_stop_the_reading(config, tmp_path):
    rows = [["slug", "name_fr"]] + [[f"Bad Slug {n}", "x"] for n in range(MAX_PROBLEMS + 50)]
    result = import_sheet(config, write_csv(tmp_path / "bad.csv", rows), "institution")
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert str(result.problems[-1]).startswith(f"bad.csv:{MAX_PROBLEMS + 2}: stopped after {MAX_PROBLEMS} problems")


def test_split_values_escapes():
    assert split_values(r"a; b\; c ;; d;", ";", keep_empty=False) == ["a", "b; c", "d"]
    assert split_values(r"a;;c\\", ";", keep_empty=True) == ["a", "", "c\\"]
    assert split_values(r"C:\dir | x", "|", keep_empty=False) == [r"C:\dir", "x"]


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
