"""Who may do what: the institutions competent for an entity, read from its source, and the
rules that combine them with a user's roles.

- a procedure belongs to its `authority` institutions, an office to its `owner`, an institution
  to itself, a document to the institutions whose procedures produce it; other kinds (laws,
  places, glossary, FAQ) only to administrators;
- editors of one of those institutions may draft changes; reviewers of the draft's institution
  approve them, never their own; translators may propose Kirundi for anything, and Kirundi
  reviewers approve those proposals (not their own); administrators may do everything but
  approve their own drafts.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from isoko.config import Config

from .models import Draft, User

EDITABLE_KINDS = ("procedure", "institution", "office", "document")


def _refs(values: object, kind: str) -> list[str]:
    return [v.split("/", 1)[1] for v in (values or []) if isinstance(v, str) and v.startswith(kind + "/")]


def source_path(config: Config, kind: str, slug: str) -> Path:
    return config.data_dir / kind / f"{slug}.yaml"


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


def load_record(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}


def read_record(config: Config, kind: str, slug: str) -> dict | None:
    path = source_path(config, kind, slug)
    return load_record(path) if path.is_file() else None


def document_issuers(config: Config) -> dict[str, list[str]]:
    """document slug -> the institutions whose procedures produce it (one pass over the procedures)."""
    issuers: dict[str, list[str]] = {}
    for path in sorted((config.data_dir / "procedure").glob("*.yaml")):
        procedure = load_record(path)
        for document in _refs(procedure.get("produces"), "document"):
            found = issuers.setdefault(document, [])
            found += [i for i in _refs(procedure.get("authority"), "institution") if i not in found]
    return issuers


def institutions_of(config: Config, kind: str, slug: str, record: dict | None = None) -> list[str]:
    """The slugs of the institutions competent for the entity (first: the one that handles its drafts)."""
    record = record if record is not None else (read_record(config, kind, slug) or {})
    if kind == "procedure":
        return _refs(record.get("authority"), "institution")
    if kind == "office":
        return _refs(record.get("owner"), "institution")
    if kind == "institution":
        return [slug]
    if kind == "document":
        return document_issuers(config).get(slug, [])
    return []


def may_edit(user: User, institutions: list[str]) -> bool:
    return user.is_admin or any("editor" in user.roles(i) for i in institutions)


def may_translate(user: User) -> bool:
    return user.is_admin or bool(user.institutions("translator"))


def may_see(user: User, draft: Draft) -> bool:
    """Drafts are seen by their author, the people of their institution, and (translations) the
    translators and Kirundi reviewers."""
    if user.is_admin or draft.author_id == user.id:
        return True
    if draft.translation and user.roles(draft.institution) & {"translator", "kirundi-reviewer"}:
        return True
    return bool(user.roles(draft.institution) & {"editor", "reviewer"})


def may_review(user: User, draft: Draft) -> bool:
    if draft.author_id == user.id:
        return False  # nobody approves their own change
    if draft.translation:
        return user.is_admin or "kirundi-reviewer" in user.roles(draft.institution)
    return user.is_admin or "reviewer" in user.roles(draft.institution)
