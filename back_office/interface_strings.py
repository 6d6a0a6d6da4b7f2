"""Kirundi for the interface's own strings, the same way as for the catalogue: translators propose,
a Kirundi reviewer (not the author) approves, and only then is the text written into the Kirundi
catalogue (`rn/LC_MESSAGES/messages.po`, with a comment naming the reviewer and the date, which is
what attests it) and compiled; serving processes pick the new `.mo` up within seconds
(browser_ui/i18n.py). The French catalogue lists every string of the interface.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from sqlalchemy.orm import Session

from isoko.config import Config

from .models import InterfaceTranslation, User, now

REVIEWED = "reviewed by"  # the start of the comment that attests a Kirundi string from the back office


@dataclass(frozen=True)
class String:
    msgid: str
    french: str
    kirundi: str


def _catalogue_path(config: Config, language: str) -> Path:
    return config.translations / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


def strings(config: Config) -> list[String]:
    """Every interface string (not plural forms) with its French and its Kirundi ("" if none)."""
    kirundi = {m.id: m.string for m in _read(_catalogue_path(config, "rn")) if m.id and isinstance(m.id, str)}
    return [String(m.id, m.string, kirundi.get(m.id) or "") for m in _read(_catalogue_path(config, "fr"))
            if m.id and isinstance(m.id, str)]


def propose(session: Session, user: User, msgid: str, text: str, known: set[str]) -> InterfaceTranslation:
    if msgid not in known:
        raise ValueError("not a string of the interface")
    if not text.strip() or len(text) > 1000:
        raise ValueError("write the Kirundi text (at most 1000 characters)")
    proposal = InterfaceTranslation(msgid=msgid, text=text.strip(), author_id=user.id)
    session.add(proposal)
    return proposal


def publish(config: Config, proposal: InterfaceTranslation, reviewer: User) -> None:
    """Write the approved text into the Kirundi catalogue and compile it (both files atomically)."""
    if proposal.author_id == reviewer.id:
        raise PermissionError("nobody approves their own translation")
    path = _catalogue_path(config, "rn")
    catalogue = _read(path)
    comment = f"{REVIEWED} {reviewer.name} <{reviewer.email}> on {now():%Y-%m-%d} (Isôko back office)"
    message = catalogue.get(proposal.msgid)
    if message is None:
        catalogue.add(proposal.msgid, proposal.text, user_comments=[comment])
    else:
        message.string = proposal.text
        message.user_comments = [c for c in message.user_comments if not c.startswith(REVIEWED)] + [comment]
    _atomically(path, lambda handle: write_po(handle, catalogue, width=100))
    _atomically(path.with_suffix(".mo"), lambda handle: write_mo(handle, catalogue))
    proposal.state, proposal.reviewer_id, proposal.decided = "published", reviewer.id, now()


def _atomically(path: Path, write) -> None:
    temporary = path.with_name(f".{path.name}.new")
    with open(temporary, "wb") as handle:
        write(handle)
    os.replace(temporary, path)
