"""What the back office lists from data/: the entities an institution is competent for, the
choices of reference fields (with "issued by" for documents), and what lacks Kirundi.

Read from the source files, cached until a folder of data/ changes (publishing replaces a file by
a rename, which changes its folder's modification time).
"""

from __future__ import annotations

from dataclasses import dataclass

from isoko.config import Config
from loaders.spreadsheet.templates import allowed_values

from .forms import form_spec
from .permissions import EDITABLE_KINDS, document_issuers, institutions_of, load_record


@dataclass(frozen=True)
class Entry:
    kind: str
    slug: str
    title: dict  # language -> text
    institutions: tuple[str, ...]
    needs_review: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.title.get(language) or self.title.get("fr") or self.title.get("en") or self.slug


def _stamp(config: Config) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(config.data_dir.iterdir()) if p.is_dir())


_cache: dict[tuple, object] = {}


def _cached(key: tuple, make):
    """`make()` once per key; keys hold the data/ stamp, so a change of data/ makes anew."""
    if key not in _cache:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = make()
    return _cache[key]


def entries(config: Config) -> list[Entry]:
    return list(_cached(("entries", config.data_dir, _stamp(config)), lambda: _entries(config)))


def _entries(config: Config) -> tuple[Entry, ...]:
    found = []
    issuers = document_issuers(config)
    for kind in EDITABLE_KINDS:
        for path in sorted((config.data_dir / kind).glob("*.yaml")):
            record = load_record(path)
            title = record.get("title") or record.get("name") or {}
            institutions = issuers.get(path.stem, []) if kind == "document" else institutions_of(
                config, kind, path.stem, record)
            found.append(Entry(kind, path.stem, title if isinstance(title, dict) else {}, tuple(institutions),
                               tuple(record.get("needs_review") or ())))
    return tuple(found)


def of_institutions(config: Config, institutions: set[str], all_of_them: bool = False) -> list[Entry]:
    return [e for e in entries(config) if all_of_them or set(e.institutions) & institutions]


def lacking_kirundi(config: Config) -> list[Entry]:
    """Entities without a Kirundi title, or whose Kirundi awaits review."""
    return [e for e in entries(config) if "rn" not in e.title or "rn" in e.needs_review]


def choices(config: Config, kind: str, language: str) -> dict[str, list[tuple[str, str]]]:
    """Column name -> [(value, label)] for the reference fields of `kind`'s form."""
    return _cached(("choices", config.data_dir, kind, language, _stamp(config)),
                   lambda: _choices(config, kind, language))


def _choices(config: Config, kind: str, language: str) -> dict[str, list[tuple[str, str]]]:
    allowed, _ = allowed_values(config, form_spec(config, kind))
    issuers = {f"document/{e.slug}": e.institutions for e in entries(config) if e.kind == "document"}
    result = {}
    for column, rows in allowed.items():
        options = []
        for value, french, english in rows:
            label = (english if language == "en" else french) or french or english or value
            if value in issuers and issuers[value]:
                label += " — " + ", ".join(issuers[value])
            options.append((value, f"{label} ({value})" if label != value else value))
        result[column] = sorted(options, key=lambda option: option[1].casefold())
    return result
