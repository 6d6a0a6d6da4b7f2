"""A throwaway PostgreSQL server for the database tests: Debian's server binaries (installed by
`make test` through tools/ensure-postgresql), a fresh cluster on a free loopback port with trust
authentication, stopped and deleted afterwards; and an empty database on it for each test."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import sqlalchemy
from sqlalchemy.engine import make_url

from .server import free_port

INSTALLED = Path("/usr/lib/postgresql")
USER = "isoko"  # the cluster's superuser, trusted on 127.0.0.1 without a password
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root (Debian's package creates it)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def postgres_bin() -> Path:
    """The newest installed server's bin/ (/usr/lib/postgresql/VERSION/bin) holding postgres and
    initdb. Fails loudly when there is none: the PostgreSQL tests are never skipped."""
    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name)) or (0,)

    found = [folder for folder in INSTALLED.glob("*/bin")
             if (folder / "postgres").is_file() and (folder / "initdb").is_file()]
    if not found:
        raise RuntimeError(f"no PostgreSQL server in {INSTALLED}/*/bin: run `bash tools/ensure-postgresql` "
                           "(`make test` does), which installs Debian's postgresql")
    return max(found, key=version)


def _as_server_user() -> dict:
    """Popen arguments that run a command as the system user postgres when we are root:
    PostgreSQL refuses to run as root. The process is switched directly (no runuser or su in
    between, which would not pass SIGINT, PostgreSQL's fast shutdown, on to it)."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise RuntimeError(f"running as root, and there is no {SYSTEM_USER!r} system user to run PostgreSQL "
                           "as: Debian's postgresql package creates it (`bash tools/ensure-postgresql`)") from None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _tail(log: Path, size: int = 6000) -> str:
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError as error:
        return f"(no server log: {error})"


@contextmanager
def running_postgres(folder: Path) -> Iterator[str]:
    """Start a new PostgreSQL cluster on a free port of 127.0.0.1 and yield its SQLAlchemy URL
    (postgresql+psycopg://isoko@127.0.0.1:PORT/postgres; superuser isoko, no password). Its data
    lives in folder (as root, in a private temporary folder owned by the postgres user instead,
    since pytest's temporary folders are closed to other users) and its log is folder/postgres.log.
    Stopped afterwards (fast shutdown, killed after 15 s) and its data deleted. Fails loudly, with
    the log's end, when it cannot start."""
    binaries = postgres_bin()
    folder.mkdir(parents=True, exist_ok=True)
    run_as = _as_server_user()
    if run_as:
        base = Path(tempfile.mkdtemp(prefix="isoko-postgres-"))
        os.chown(base, run_as["user"], run_as["group"])
    else:
        base = folder
    data, sockets, log = base / "data", base / "sockets", folder / "postgres.log"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
    process: subprocess.Popen | None = None
    try:
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync", "--no-instructions"]
        done = subprocess.run(initdb, cwd=base, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120, **run_as)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}): {' '.join(initdb)}\n{done.stdout}{done.stderr}")
        sockets.mkdir(mode=0o700)
        if run_as:
            os.chown(sockets, run_as["user"], run_as["group"])

        port = free_port()
        command = [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1",
                   "-k", str(sockets), "-c", "fsync=off", "-c", "full_page_writes=off",
                   "-c", "synchronous_commit=off"]
        started = time.monotonic()
        with open(log, "ab") as output:  # opened here, so the server needs no access to folder
            process = subprocess.Popen(command, cwd=base, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True, **run_as)

        def fail(reason: str) -> None:
            raise RuntimeError(f"PostgreSQL {reason}: {' '.join(command)}\n{_tail(log)}")

        while True:
            try:
                psycopg.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres",
                                connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None:
                    fail(f"exited with {process.returncode}")
                if time.monotonic() - started > START_TIMEOUT:
                    fail(f"did not accept connections within {START_TIMEOUT:g} s")
                time.sleep(0.1)
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(data if base == folder else base, ignore_errors=True)
        if base == folder:
            shutil.rmtree(sockets, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT: open sessions are ended); after STOP_TIMEOUT, SIGKILL to its process
    group (it leads its own), the server's backends included."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def fresh_database(server_url: str) -> str:
    """Create a new, empty, uniquely named database on the PostgreSQL server at server_url (as
    yielded by running_postgres) and return its SQLAlchemy URL."""
    name = f"isoko_test_{uuid.uuid4().hex}"
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
