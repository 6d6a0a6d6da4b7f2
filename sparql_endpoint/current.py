"""The build being served: follows the var/current symlink and reopens the store when it moves."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass

from isoko.config import Config

from .store import OxigraphStore


class NoBuild(RuntimeError):
    """No catalogue has been built yet (or var/current points nowhere)."""


@dataclass(frozen=True)
class ServedBuild:
    id: str
    info: dict
    store: OxigraphStore


class CurrentBuild:
    """Thread-safe access to the served build; each call costs one readlink when nothing changed."""

    def __init__(self, config: Config):
        self.config = config
        self._served: ServedBuild | None = None
        self._target: str | None = None
        self._lock = threading.Lock()

    def get(self) -> ServedBuild:
        target = os.path.realpath(self.config.current_link)
        if target == self._target and self._served is not None:
            return self._served
        with self._lock:
            if target != self._target:
                self._served = self._open(target)
                self._target = target
            return self._served

    def _open(self, target: str) -> ServedBuild:
        manifest = os.path.join(target, "build.json")
        if not os.path.isfile(manifest):
            raise NoBuild("no catalogue has been built yet: run `isoko build` (or `make serve`)")
        with open(manifest, encoding="utf-8") as handle:
            info = json.load(handle)
        store = OxigraphStore(os.path.join(target, "store"), read_only=True)
        return ServedBuild(info["id"], info, store)
