"""The back office's migrations build exactly the schema the models describe, on SQLite and on a
real PostgreSQL, and upgrading twice (every serving process does at start) changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from back_office.database import engine_for, upgrade
from back_office.models import Base


def test_migrations_match_the_models(database_url):
    upgrade(database_url)
    upgrade(database_url)
    with engine_for(database_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert {"users", "memberships", "drafts", "audit", "feedback", "stored_queries", "alembic_version"} <= tables
