"""Cell values: formula and error cells, blank cells, several values in one cell (split and
escape), fee amounts written the ways people write them, and a cell as text."""

from __future__ import annotations

import datetime as dt
import re

SEPARATOR = ";"  # between the values of one cell
ITEM_SEPARATOR = "|"  # between the values of a list inside one block of a parallel column


class Formula(str):
    """The text of a formula cell (an XLSX loaded with data_only=False)."""


class CellError(str):
    """An error value of a cell (#DIV/0!, #REF!...)."""


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def split_values(text: str, separator: str, keep_empty: bool, unescape: bool = True) -> list[str]:
    """Split on `separator`; `\\;`, `\\|` and `\\\\` stand for the character itself (kept as
    escapes with unescape=False, for a second split); trimmed."""
    parts, current, i = [], [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "\\;|":
            current.append(text[i + 1] if unescape else text[i:i + 2])
            i += 2
            continue
        if char == separator:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current).strip())
    return parts if keep_empty else [p for p in parts if p]


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;|])", r"\1", text)


def escape(text: str, separators: str = ";|") -> str:
    text = text.replace("\\", "\\\\")
    for separator in separators:
        text = text.replace(separator, "\\" + separator)
    return text


SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def parse_amount(text: str) -> tuple[int | float | None, str]:
    """A fee amount from text: (value, "") or (None, why not).

    Accepted: digits (20000), a decimal part with `.` or `,` (12.5, 12,5), thousands separated
    by spaces (20 000), or by `,`/`.` when that cannot be a decimal separator: two or more groups
    (1,000,000), or followed by a decimal part with the other sign (20,000.50; 20.000,50).
    Refused as ambiguous: one `,` or `.` followed by exactly three digits (20,000; 20.000)."""
    raw = text.strip()
    value = SPACES.sub(" ", raw)
    sign = ""
    if value.startswith("-"):
        sign, value = "-", value[1:].strip()
    if re.fullmatch(r"\d+", value):
        return int(sign + value), ""
    single = re.fullmatch(r"(\d+)([.,])(\d+)", value)
    if single:
        if len(single.group(3)) == 3:
            return None, (f'"{raw}" is ambiguous: {single.group(1)}{single.group(3)} with a thousands separator, '
                          f"or {single.group(1)} with decimals")
        return _number(sign + single.group(1) + "." + single.group(3)), ""
    grouped = re.fullmatch(r"(\d{1,3})(?:([ ,.])(\d{3}))((?:\2\d{3})*)(?:([.,])(\d+))?", value)
    if grouped:
        separator, decimal_mark = grouped.group(2), grouped.group(5)
        if decimal_mark != separator and (separator == " " or grouped.group(4) or decimal_mark):
            digits = value.split(decimal_mark)[0] if decimal_mark else value
            whole = digits.replace(separator, "")
            return _number(sign + whole + ("." + grouped.group(6) if decimal_mark else "")), ""
    return None, f'"{raw}" is not a number'


def _number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text.rstrip("0").rstrip(".") else number


def plain_number(value: int | float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def cell_text(value: object) -> str:
    """A cell as text: numbers without a useless `.0`, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(plain_number(value))
    return str(value).strip()
