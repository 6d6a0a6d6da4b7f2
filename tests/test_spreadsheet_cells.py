"""Cell values (loaders/spreadsheet/cells.py): fee amounts accepted and refused, several values in one
cell with escaped separators."""

from __future__ import annotations

import pytest

from loaders.spreadsheet import parse_amount, split_values


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


def test_split_values_escapes():
    assert split_values(r"a; b\; c ;; d;", ";", keep_empty=False) == ["a", "b; c", "d"]
    assert split_values(r"a;;c\\", ";", keep_empty=True) == ["a", "", "c\\"]
    assert split_values(r"C:\dir | x", "|", keep_empty=False) == [r"C:\dir", "x"]
