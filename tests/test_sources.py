"""Each class of broken source gets a `file:line` problem naming what is wrong and how to fix it."""

import pytest

from loaders.build import check_sources
from loaders.validation import ENGINES
from tests.conftest import write

PASSPORT = "data/procedure/passport.yaml"


@pytest.fixture(autouse=True, params=ENGINES)
def shacl_engine(request, monkeypatch) -> str:
    """Every test here runs with each SHACL engine (ISOKO_SHACL)."""
    monkeypatch.setenv("ISOKO_SHACL", request.param)
    return request.param


def problems_for(config, relative: str, text: str):
    write(config, relative, text)
    return [p for p in check_sources(config) if p.file.endswith(relative)]


def test_fixture_catalogue_is_valid(config):
    assert check_sources(config) == []


def test_bad_yaml_syntax(config):
    found = problems_for(config, "procedure/passport.yaml", "title: {fr: A, en: B\nauthority: [x]\n")
    assert len(found) == 1
    assert "YAML syntax error" in found[0].message and found[0].line >= 1


def test_unknown_key_with_suggestion(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text() + "autority: [institution/police]\n"
    found = problems_for(config, "procedure/passport.yaml", text)
    assert [(p.line, p.message) for p in found] == [(16, "unknown key `autority`")]
    assert "did you mean `authority`" in found[0].fix


def test_unknown_key_inside_a_fee_block(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        "    date: 2011-03-02\n", "    date: 2011-03-02\n    price: 3\n")
    found = problems_for(config, "procedure/passport.yaml", text)
    assert [(p.line, p.message) for p in found] == [(10, "unknown key `price`")]


def test_key_of_another_kind_is_unknown(config):
    found = problems_for(config, "document/passport.yaml",
                         "title: {fr: Passeport}\nauthority: [institution/police]\n")
    assert [p.message for p in found] == ["unknown key `authority`"]


def test_missing_mandatory_field(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        "authority: [institution/police]\n", "")
    found = problems_for(config, "procedure/passport.yaml", text)
    assert any(p.path == "authority" and "no competent authority" in p.message for p in found)
    assert all(p.line == 1 for p in found if p.path == "authority")


def test_missing_english_title_and_check_date(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        ", en: Get a passport", "").replace("checked: 2026-11-26\n", "")
    messages = {p.message for p in problems_for(config, "procedure/passport.yaml", text)}
    assert "an English title is missing: add `title: {en: ...}`" in messages
    assert any("checked: YYYY-MM-DD" in m for m in messages)


def test_dangling_reference(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        "document/birth-certificate", "document/birth-certificat")
    found = problems_for(config, "procedure/passport.yaml", text)
    assert len(found) == 1
    assert found[0].line == 4 and found[0].path == "requires"
    assert "document that is not in the catalogue" in found[0].message
    assert "document/birth-certificat" in found[0].message


@pytest.mark.parametrize("fee, expected", [
    ("amount: -5\n    currency: BIF", "must not be negative"),
    ("amount: 'vingt mille'\n    currency: BIF", "must be a number"),
    ("amount: 5\n    currency: FBU", "ISO 4217"),
    ("currency: BIF", "exactly one `amount`"),
])
def test_bad_fee(config, fee, expected):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        "amount: 235000\n    currency: BIF", fee)
    found = problems_for(config, "procedure/passport.yaml", text)
    assert any(expected in p.message for p in found), [str(p) for p in found]
    assert all(p.focus == "procedure/passport#fee-1" and p.line in (7, 8) for p in found), [str(p) for p in found]


def test_fee_that_is_not_a_block(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace(
        "fee:\n  - amount: 235000\n    currency: BIF\n    date: 2011-03-02\n", "fee: 235000\n")
    found = problems_for(config, "procedure/passport.yaml", text)
    assert [(p.line, p.message) for p in found] == [(6, "`fee` must be a block of `key: value` lines")]


def test_bad_duration(config):
    text = (config.data_dir / "procedure/passport.yaml").read_text().replace("P3D", "3 jours")
    found = problems_for(config, "procedure/passport.yaml", text)
    assert [p.line for p in found] == [10]
    assert "ISO 8601 duration" in found[0].message


def test_empty_value_and_bad_language(config):
    found = problems_for(config, "document/passport.yaml", "title: {fr: Passeport, english: Passport}\ntype:\n")
    messages = sorted(p.message for p in found)
    assert "`title`: `english` is not a language code" in messages
    assert "`type` is empty" in messages


def test_bad_file_name_and_unknown_folder(config):
    write(config, "procedure/Bad_Name.yaml", "title: {fr: x}\n")
    write(config, "procedures/x.yaml", "title: {fr: x}\n")
    messages = [p.message for p in check_sources(config)]
    assert "file name `Bad_Name.yaml` is not a valid slug" in messages
    assert "unknown kind folder `procedures`" in messages


def test_identifier_cannot_be_set(config):
    found = problems_for(config, "document/passport.yaml", "title: {fr: Passeport}\nidentifier: other\n")
    assert [p.message for p in found] == ["`identifier` cannot be set"]


def test_validate_paths_filters_the_report(config):
    write(config, "document/passport.yaml", "title: {fr: Passeport}\nautor: x\n")
    write(config, "document/birth-certificate.yaml", "title: {fr: Acte}\nautor: x\n")
    only = check_sources(config, [config.data_dir / "document/passport.yaml"])
    assert [(p.file.endswith("document/passport.yaml"), p.message) for p in only] == [(True, "unknown key `autor`")]
