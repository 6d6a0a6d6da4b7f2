"""Export (loaders/spreadsheet/exporter.py): round trips of the fixture and the real catalogue through a
sheet and back, values holding the separators included."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from isoko.config import ROOT, Config
from loaders.build import check_sources
from loaders.spreadsheet import export
from tests.conftest import FIXTURE
from tests.spreadsheet_helpers import imported, load, snapshot


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
