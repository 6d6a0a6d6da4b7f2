"""What the spreadsheet tests share (tests/test_import.py, tests/test_spreadsheet_*.py): a procedure and
an institution as rows, writing them as CSV or XLSX, reading the written files back, and an import
that must succeed."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import openpyxl
import yaml

from isoko.config import Config
from loaders.spreadsheet import import_sheet

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
