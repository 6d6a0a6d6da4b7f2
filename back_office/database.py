"""The back office's database: an engine per URL, sessions, and the schema kept current by Alembic.

`ISOKO_DATABASE_URL` names it (any SQLAlchemy URL; PostgreSQL as
`postgresql+psycopg://user:password@host/db`); by default an SQLite file beside the builds,
`var/back-office.sqlite`, so `make serve` needs no setup. `upgrade` applies the migrations of
back_office/migrations/ (run at start-up by every serving process and by `isoko user`; Alembic
takes a lock on PostgreSQL, SQLite serialises writers).
"""

from __future__ import annotations

import fcntl
import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from isoko.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x15060  # any constant shared by every process that migrates this database
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url(config: Config) -> str:
    return config.database_url or f"sqlite:///{config.var_dir / 'back-office.sqlite'}"


def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per URL and process."""
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"timeout": 15})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return _engines[url]


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def upgrade(url: str) -> None:
    """Create or upgrade the schema to the newest migration. Serving processes start together and
    each calls this: one migrates while the others wait (a lock file beside an SQLite database, a
    transaction-scoped advisory lock on PostgreSQL), then they find nothing left to do."""
    logging.getLogger("alembic").setLevel(logging.WARNING)  # no "Context impl" lines at every start
    settings = AlembicConfig()
    settings.set_main_option("script_location", str(MIGRATIONS))
    with _file_lock(url), engine_for(url).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        settings.attributes["connection"] = connection
        command.upgrade(settings, "head")


@contextmanager
def _file_lock(url: str) -> Iterator[None]:
    if not url.startswith("sqlite:///"):
        yield
        return
    path = Path(url[len("sqlite:///"):])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextmanager
def session_for(url: str) -> Iterator[Session]:
    """A session committed when the block ends normally, rolled back otherwise."""
    factory = sessionmaker(engine_for(url), expire_on_commit=False)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
