"""Reading YAML sources: line numbers, duplicate keys, syntax errors."""

from pathlib import Path

import pytest

from loaders.problems import ProblemsFound
from loaders.yaml_source import plain, read_yaml


def _read(tmp_path: Path, text: str):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path, "data/procedure/x.yaml")


def test_lines_of_keys_and_items(tmp_path):
    record = _read(tmp_path, "title: {fr: A}\n\nfee:\n  - amount: 1\n    currency: BIF\n  - amount: 2\n")
    assert record.key_lines == {"title": 1, "fee": 3}
    assert record["fee"].item_lines == [4, 6]
    assert record["fee"][1].line == 6
    assert record["fee"][0].key_lines["currency"] == 5


def test_syntax_error_names_file_and_line(tmp_path):
    with pytest.raises(ProblemsFound) as caught:
        _read(tmp_path, "title: {fr: A}\ndescription: [unclosed\nauthority: x\n")
    problem = caught.value.problems[0]
    assert problem.file == "data/procedure/x.yaml"
    assert problem.line in (2, 3)
    assert "YAML syntax error" in problem.message
    assert str(problem).startswith(f"data/procedure/x.yaml:{problem.line}: ")


def test_duplicate_key_is_an_error(tmp_path):
    with pytest.raises(ProblemsFound) as caught:
        _read(tmp_path, "title: {fr: A}\ntitle: {fr: B}\n")
    assert caught.value.problems[0].line == 2
    assert "appears twice" in caught.value.problems[0].message


def test_not_a_mapping(tmp_path):
    with pytest.raises(ProblemsFound) as caught:
        _read(tmp_path, "- just\n- a list\n")
    assert "key: value" in caught.value.problems[0].message


def test_not_utf8(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes("title: {fr: \u00e9}".encode("latin-1"))
    with pytest.raises(ProblemsFound) as caught:
        read_yaml(path, "x.yaml")
    assert "UTF-8" in caught.value.problems[0].message


def test_plain_turns_dates_into_typed_literals(tmp_path):
    record = _read(tmp_path, "checked: 2026-11-26\nfee: [{date: 2011-03-02, year: '2011'}]\n")
    xsd_date = "http://www.w3.org/2001/XMLSchema#date"
    assert plain(record) == {"checked": {"@value": "2026-11-26", "@type": xsd_date},
                             "fee": [{"date": {"@value": "2011-03-02", "@type": xsd_date}, "year": "2011"}]}


def test_a_date_that_is_no_date_is_a_problem_with_its_line(tmp_path):
    from loaders.problems import ProblemsFound
    from loaders.yaml_source import read_yaml
    path = tmp_path / "x.yaml"
    path.write_text("title: {fr: A}\nchecked: 2026-13-45\n")
    with pytest.raises(ProblemsFound) as err:
        read_yaml(path, "x.yaml")
    [problem] = err.value.problems
    assert problem.line == 2 and "2026-13-45" in problem.message and "not a valid date" in problem.message
