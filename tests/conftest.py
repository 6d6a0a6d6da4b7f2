"""Shared fixtures: a small catalogue in a temporary folder, its config, and a built copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from isoko.config import ROOT, Config
from loaders.build import build

FIXTURE = Path(__file__).parent / "fixtures" / "catalogue"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config whose data/ is a fresh copy of the fixture catalogue and whose var/ is empty."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    return Config.from_env(data_dir=data, var_dir=tmp_path / "var", base_iri="https://data.isoko.bi/")


@pytest.fixture
def built(config: Config) -> Config:
    build(config)
    return config


def write(config: Config, relative: str, text: str) -> Path:
    path = config.data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def real_config(tmp_path: Path) -> Config:
    """The real catalogue of data/, built into a temporary var/."""
    return Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path / "var")
