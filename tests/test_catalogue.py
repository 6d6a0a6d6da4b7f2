"""The real catalogue of data/: valid, sourced, dated, and with no number the reference lacks."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from isoko.config import ROOT, Config
from loaders.build import check_sources

REFERENCE = ROOT / "reference"  # a copy of shared/reference, see reference/README.md
PROCEDURES = sorted((ROOT / "data" / "procedure").glob("*.yaml"))
NUMBER_WORDS = {1: ("un", "one"), 2: ("deux", "two"), 3: ("trois", "three"), 4: ("quatre", "four"),
                5: ("cinq", "five"), 6: ("six",), 7: ("sept", "seven"), 8: ("huit", "eight"),
                10: ("dix", "ten"), 15: ("quinze", "fifteen"), 30: ("trente", "thirty")}


@lru_cache
def reference_text() -> str:
    files = sorted(REFERENCE.glob("burundi-*.yaml"))
    assert files, f"reference facts not found in {REFERENCE}"
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


@lru_cache
def reference_numbers() -> set[int]:
    """Every number written in the reference, with its thousands separators removed."""
    numbers = set()
    for match in re.finditer(r"\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+|\d+", reference_text()):
        numbers.add(int(re.sub(r"\D", "", match.group())))
    return numbers


@lru_cache
def reference_entries() -> dict[str, str]:
    """Reference procedure id -> the text of its entry (for delays)."""
    entries = {}
    for path in sorted(REFERENCE.glob("burundi-facts*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("procedures", []):
            entries[entry["id"]] = yaml.safe_dump(entry, allow_unicode=True)
    return entries


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_catalogue_validates_with_zero_problems():
    problems = check_sources(Config.from_env(data_dir=ROOT / "data"))
    assert problems == [], "\n".join(str(p) for p in problems[:20])


@pytest.mark.parametrize("path", PROCEDURES, ids=lambda p: p.stem)
def test_procedure_is_sourced_and_dated(path):
    record = load(path)
    assert record.get("source"), f"{path.name}: no source"
    assert all(str(url).startswith(("http://", "https://")) for url in record["source"])
    assert record.get("checked"), f"{path.name}: no check date"


@pytest.mark.parametrize("path", PROCEDURES, ids=lambda p: p.stem)
def test_fee_amounts_appear_in_the_reference(path):
    for fee in load(path).get("fee", []):
        amount = float(fee["amount"])
        assert amount == int(amount) and int(amount) in reference_numbers(), \
            f"{path.name}: fee {fee['amount']} {fee.get('currency')} is not in the reference facts"


@pytest.mark.parametrize("path", PROCEDURES, ids=lambda p: p.stem)
def test_processing_times_appear_in_the_reference_entry(path):
    record = load(path)
    duration = record.get("processing_time")
    if not duration:
        return
    match = re.fullmatch(r"P(?:T)?(\d+)([DWMYH])", duration)
    assert match, f"{path.name}: unexpected duration {duration}"
    number = int(match.group(1))
    entry = reference_entries().get(path.stem)
    assert entry, f"{path.name}: has a processing time but no reference entry with id {path.stem}"
    spelled = [rf"\b0?{number}\b", *(rf"\b{w}\b" for w in NUMBER_WORDS.get(number, ()))]
    assert any(re.search(p, entry, re.IGNORECASE) for p in spelled), \
        f"{path.name}: {duration} is not stated in the reference entry {path.stem}"
