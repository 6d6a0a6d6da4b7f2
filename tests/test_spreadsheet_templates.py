"""Templates (loaders/spreadsheet/templates.py): the columns, an example row and the README sheet with
the allowed values; `isoko import --template`."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from isoko.cli import main
from loaders.spreadsheet import README_SHEET, sheet_spec, template


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
