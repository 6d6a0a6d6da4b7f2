"""How the browser tests and tests/browser/screenshot.py start Debian's headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

from isoko.config import ROOT

# Debian's package `chromium` (installed by tools/ensure-chromium, which `make test` runs).
CHROMIUM = Path(os.environ.get("ISOKO_CHROMIUM", "/usr/bin/chromium"))
# axe-core from npm (tools/axe/package.json, installed by `make test` with `npm ci`).
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium keeps calling Google's hosts, which the
# closed network refuses. Playwright adds --headless and a fresh temporary --user-data-dir.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return (f"NO CHROMIUM at {CHROMIUM}: the browser tests need Debian's chromium. "
                "Run `make test` (tools/ensure-chromium installs it with apt-get) or, as root, "
                "`apt-get update && apt-get install -y chromium`.")
    if not AXE.exists():
        return (f"NO axe-core at {AXE}: run `make test` (or `cd tools/axe && npm ci`).")
    return None


def launch(playwright):
    """A headless Chromium Browser; each of its contexts starts with an empty profile."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
