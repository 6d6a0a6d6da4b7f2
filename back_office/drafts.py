"""Drafts from start to publication: save (checked like a build), submit, send back, approve and
publish, withdraw, revert; conflicts between editors found, never overwritten.

Publishing writes the entity's source file in data/ (atomically: a temporary file renamed over
it), runs the build, and records who, when and why in the audit log; if the build fails, the
file is put back as it was. A draft remembers the hash of the file it started from: when the file
changed since (someone else published), publishing is refused with a `Conflict` that shows the
other change.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoko.config import Config
from loaders.build import BuildBusy, build

from . import forms
from .models import AuditEntry, Draft, User, now
from .permissions import institutions_of, read_record, source_path

OPEN = ("draft", "submitted", "sent-back")
BUILD_WAIT_SECONDS = 60


class WorkflowError(ValueError):
    """A step that the draft's state or the user's role does not allow (message says why)."""


@dataclass
class Conflict(Exception):
    """The source changed since the draft started: the other publications since then."""
    draft: Draft
    others: list[AuditEntry]


def file_hash(config: Config, kind: str, slug: str) -> str | None:
    path = source_path(config, kind, slug)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def start(session: Session, config: Config, user: User, kind: str, slug: str, translation: bool = False) -> Draft:
    record = read_record(config, kind, slug)
    institutions = institutions_of(config, kind, slug, record)
    draft = Draft(kind=kind, slug=slug, institution=institutions[0] if institutions else "*", translation=translation,
                  author_id=user.id, base_hash=file_hash(config, kind, slug), record=forms.as_yaml(record or {}))
    session.add(draft)
    session.flush()
    return draft


def others_open(session: Session, draft: Draft) -> list[Draft]:
    """Other drafts of the same entity still in progress (shown to whoever edits it)."""
    return list(session.scalars(select(Draft).where(Draft.kind == draft.kind, Draft.slug == draft.slug,
                                                    Draft.id != draft.id, Draft.state.in_(OPEN))))


def save(session: Session, config: Config, draft: Draft, form: dict[str, str]) -> dict[str, list[str]]:
    """Check the form; keep it as the draft's record when it passes. The problems by field."""
    _require(draft, OPEN)
    published = read_record(config, draft.kind, draft.slug)
    record, errors = forms.check(config, draft.kind, draft.slug, form, forms.from_yaml(draft.record) or None, published)
    if record is not None:
        if draft.translation:
            record = _translation_only(record, forms.from_yaml(draft.record))
        draft.record, draft.updated, draft.state = forms.as_yaml(record), now(), "draft"
    return errors


def _translation_only(record: dict, before: dict) -> dict:
    """A translator's save changes only Kirundi texts."""
    kept = dict(before)
    for key, value in record.items():
        if isinstance(value, dict) and "rn" in value:
            kept[key] = {**(kept.get(key) or {}), "rn": value["rn"]}
    return kept


def submit(draft: Draft, user: User, comment: str) -> None:
    _require(draft, ("draft", "sent-back"))
    if draft.author_id != user.id:
        raise WorkflowError("only the author submits a draft")
    draft.state, draft.comment, draft.updated = "submitted", comment.strip(), now()


def send_back(draft: Draft, reviewer: User, comment: str) -> None:
    _require(draft, ("submitted",))
    if not comment.strip():
        raise WorkflowError("say what to change: the author sees your comment")
    draft.state, draft.reviewer_id, draft.review_comment, draft.updated = "sent-back", reviewer.id, comment.strip(), now()


def withdraw(draft: Draft, user: User) -> None:
    _require(draft, OPEN)
    draft.state, draft.updated = "withdrawn", now()


def publish(session: Session, config: Config, draft: Draft, reviewer: User, comment: str) -> str:
    """Approve `draft` and publish it: the new source file, a build, the audit entry. The build id."""
    _require(draft, ("submitted",))
    current = file_hash(config, draft.kind, draft.slug)
    if current != draft.base_hash:
        raise Conflict(draft, list(session.scalars(
            select(AuditEntry).where(AuditEntry.kind == draft.kind, AuditEntry.slug == draft.slug,
                                     AuditEntry.time >= draft.created, AuditEntry.action == "published"))))
    record = forms.from_yaml(draft.record)
    if draft.translation:
        review = [lang for lang in (record.get("needs_review") or []) if lang != "rn"]
        record = {k: v for k, v in record.items() if k != "needs_review"} | ({"needs_review": review} if review else {})
    before = read_record(config, draft.kind, draft.slug)
    build_id = write_and_build(config, draft.kind, draft.slug, forms.as_yaml(record))
    draft.state, draft.reviewer_id, draft.review_comment = "published", reviewer.id, comment.strip()
    draft.published, draft.updated, draft.build_id = now(), now(), build_id
    session.add(AuditEntry(user_id=draft.author_id, action="published", kind=draft.kind, slug=draft.slug,
                           draft_id=draft.id, comment=f"{draft.comment} — approved by {reviewer.name}"
                           + (f": {comment.strip()}" if comment.strip() else ""),
                           before=forms.as_yaml(before) if before is not None else None,
                           after=forms.as_yaml(record), build_id=build_id))
    return build_id


def revert(session: Session, config: Config, entry: AuditEntry, user: User) -> Draft:
    """A new draft that puts back the record as it was before `entry` (reviewed like any other)."""
    if entry.action != "published" or entry.before is None:
        raise WorkflowError("only a published change of an existing entity can be reverted")
    draft = start(session, config, user, entry.kind, entry.slug)
    draft.record, draft.comment = entry.before, f"revert of change #{entry.id}"
    return draft


def record_diff(before: str | None, after: str | None) -> str:
    return "".join(difflib.unified_diff((before or "").splitlines(True), (after or "").splitlines(True),
                                        "published", "this draft", n=1))


def write_and_build(config: Config, kind: str, slug: str, text: str) -> str:
    """Replace the source file, build, and put the old file back if the build fails."""
    path = source_path(config, kind, slug)
    with _publish_lock(config):
        old = path.read_bytes() if path.is_file() else None
        _write_atomically(path, text.encode("utf-8"))
        try:
            return _build(config)
        except BaseException:
            if old is None:
                path.unlink(missing_ok=True)
            else:
                _write_atomically(path, old)
            raise


def rebuild(config: Config) -> str:
    """A build of the sources as they are (waiting for one in progress), under the publish lock:
    a new build id empties every serving process's page cache."""
    with _publish_lock(config):
        return _build(config)


def _build(config: Config) -> str:
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    while True:
        try:
            return build(config).id
        except BuildBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _write_atomically(path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.publishing")
    temporary.write_bytes(data)
    os.replace(temporary, path)


@contextmanager
def _publish_lock(config: Config) -> Iterator[None]:
    config.var_dir.mkdir(parents=True, exist_ok=True)
    with open(config.var_dir / ".publish.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _require(draft: Draft, states: tuple[str, ...]) -> None:
    if draft.state not in states:
        raise WorkflowError(f"this draft is {draft.state}: that step needs it to be {' or '.join(states)}")
