"""The database test infrastructure (tests/postgres.py, the `database_url` fixture) works with
SQLAlchemy on both backends the back office supports: SQLite, and a real PostgreSQL server."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from .postgres import fresh_database

TEXT = "Kirundi: Urupapuro rw'inzira, Français: état civil"


def _table(metadata: MetaData) -> Table:
    return Table("procedure", metadata,
                 Column("id", Integer, primary_key=True),
                 Column("slug", String(100), nullable=False),
                 Column("title", Text, nullable=False),
                 UniqueConstraint("slug", name="procedure_slug_unique"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_database_url_ids(request, database_url: str) -> None:
    backend = request.node.callspec.params["database_url"]
    assert request.node.name.endswith(f"[{backend}]")
    assert make_url(database_url).get_backend_name() == backend


def test_round_trip_of_non_ascii_text(engine: Engine) -> None:
    metadata = MetaData()
    table = _table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(slug="passport", title=TEXT))
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.select(table.c.slug, table.c.title)).all()
    assert [tuple(row) for row in rows] == [("passport", TEXT)]


def test_unique_constraint_violation_raises_integrity_error(engine: Engine) -> None:
    metadata = MetaData()
    table = _table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(slug="passport", title=TEXT))
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            connection.execute(table.insert().values(slug="passport", title="again"))
    with engine.connect() as connection:  # the failed transaction was rolled back, the first row stays
        assert connection.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(table)).scalar_one() == 1


def test_postgresql_is_real_and_databases_are_fresh(postgres_server: str) -> None:
    first, second = fresh_database(postgres_server), fresh_database(postgres_server)
    assert first != second
    assert make_url(first).database != make_url(second).database
    for url in (first, second):
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as connection:
                version = connection.execute(sqlalchemy.text("SELECT version()")).scalar_one()
                assert version.startswith("PostgreSQL"), version
                assert connection.execute(sqlalchemy.text("SELECT current_database()")).scalar_one() \
                    == make_url(url).database
                assert sqlalchemy.inspect(connection).get_table_names() == []
            metadata = MetaData()  # a table made in one database is not in the other
            _table(metadata).create(engine)
        finally:
            engine.dispose()
    for url in (first, second):
        engine = sqlalchemy.create_engine(url)
        try:
            assert sqlalchemy.inspect(engine).get_table_names() == ["procedure"]
        finally:
            engine.dispose()
