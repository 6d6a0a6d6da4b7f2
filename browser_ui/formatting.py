"""Amounts and durations in the reader's language (CLDR through Babel; Kirundi units from attested words)."""

from __future__ import annotations

import re

from babel.numbers import format_decimal
from babel.units import format_unit

from .language import babel_locale

DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
UNITS = ("year", "month", "week", "day", "hour", "minute")
# CLDR has no unit names for Kirundi; these are the attested nouns (reference/kirundi-terms.yaml:
# "Umwaka / Ukwezi / Indwi / Umusi", plurals imyaka, amezi, indwi, iminsi). Hours and minutes fall back to French.
KIRUNDI_UNITS = {"year": ("umwaka", "imyaka"), "month": ("ukwezi", "amezi"), "week": ("indwi", "indwi"),
                 "day": ("umusi", "iminsi")}


def duration_parts(value: str) -> list[tuple[int, str]]:
    match = DURATION.match(value or "")
    if not match or not any(match.groups()):
        return []
    return [(int(n), unit) for n, unit in zip(match.groups(), UNITS) if n]


def format_duration(value: str, language: str) -> str:
    """`P3D` -> "3 jours" / "3 days" / "iminsi 3"; the raw value when it is not a simple duration."""
    parts = duration_parts(value)
    if not parts:
        return value
    words = []
    for number, unit in parts:
        if language == "rn" and unit in KIRUNDI_UNITS:
            singular, plural = KIRUNDI_UNITS[unit]
            words.append(f"{singular if number == 1 else plural} {number}")
        else:
            locale = babel_locale("fr" if language == "rn" else language)
            words.append(format_unit(number, f"duration-{unit}", locale=locale))
    return ", ".join(words)


def format_amount(value: str, language: str) -> str:
    """A fee amount with the reader's digit grouping, without decimals when it has none."""
    number = float(value)
    return format_decimal(int(number) if number.is_integer() else number, locale=babel_locale(language))
