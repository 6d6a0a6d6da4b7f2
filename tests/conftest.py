"""Shared fixtures: a small catalogue in a temporary folder, its config, and a built copy; the
real server over it on every store backend."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

import pytest

from isoko.config import ROOT, Config
from loaders.build import build
from loaders.publish import publish

from .postgres import fresh_database, running_postgres
from .server import STORES, publish_to, running_server, running_store

FIXTURE = Path(__file__).parent / "fixtures" / "catalogue"
# Where `server` serves from: the embedded build, or a remote store the build is published to.
BACKENDS = ("embedded", *STORES)
os.environ.pop("ISOKO_STORE", None)  # each test chooses its store; none comes from the shell


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


def rebuild(config: Config) -> None:
    """Build data/ again and, when config serves from a remote store, publish it there."""
    build(config)
    if config.store_url:
        publish(config, config.store_url)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory) -> Iterator[tuple[str, Config]]:
    """(base URL, config) of the real `isoko serve` over the fixture catalogue, once per backend:
    embedded, or built locally, `isoko publish --to` a real Fuseki (TDB2) or `oxigraph serve`, and
    served with ISOKO_STORE pointing at it (then config.store_url is set: use `rebuild`)."""
    backend = request.param
    root = tmp_path_factory.mktemp(f"server-{backend}")
    shutil.copytree(FIXTURE, root / "data")
    config = Config.from_env(data_dir=root / "data", var_dir=root / "var", base_iri="https://data.isoko.bi/")
    build(config)
    with ExitStack() as stack:
        if backend != "embedded":
            spec = stack.enter_context(running_store(backend, root / "store"))
            publish_to(config, spec)
            config = dataclasses.replace(config, store_url=spec)
        url = stack.enter_context(running_server(config, workers=2))
        # Served from where it should be: only a remote store holds the build-metadata graph.
        ask = f"ASK {{ GRAPH <{config.base_iri}graph/build> {{ ?s ?p ?o }} }}"
        with urllib.request.urlopen(url + "/sparql?query=" + urllib.parse.quote(ask), timeout=30) as answer:
            assert json.loads(answer.read())["boolean"] is (backend != "embedded"), backend
        yield url, config


def write(config: Config, relative: str, text: str) -> Path:
    path = config.data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def real_config(tmp_path: Path) -> Config:
    """The real catalogue of data/, built into a temporary var/."""
    return Config.from_env(data_dir=ROOT / "data", var_dir=tmp_path / "var")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[str]:
    """The SQLAlchemy URL of a real PostgreSQL server (tests/postgres.py), started on first use
    and stopped at the end of the session."""
    with running_postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """The SQLAlchemy URL of an empty database, once per backend: a SQLite file in tmp_path, or a
    new database on the session's PostgreSQL server (started only when a test asks for it)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/back-office.sqlite"
    return fresh_database(request.getfixturevalue("postgres_server"))
