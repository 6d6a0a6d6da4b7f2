"""The parts of base.html that are the same on every page in a language (the section links, the
note under Kirundi pages): rendered once per language, version of the catalogues and script root,
then reused by every page (otherwise ten `url_for` and eleven `_()` calls on every page)."""

from __future__ import annotations

from typing import Callable

from flask import has_request_context, request
from markupsafe import Markup

from .i18n import request_translations


def same_on_every_page(name: str, caller: Callable[[], str]) -> Markup:
    """`{% call same_on_every_page(name) %}...{% endcall %}`: the block's HTML, rendered once for
    the request's translations (kept with them, so a recompiled catalogue renders it again) and
    script root. The block may depend on nothing else."""
    if not has_request_context():
        return Markup(caller())
    kept = request_translations().__dict__.setdefault("isoko_chrome", {})
    key = (name, request.script_root)
    found = kept.get(key)
    if found is None:
        found = kept[key] = Markup(caller())
    return found
