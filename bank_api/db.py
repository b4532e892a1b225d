"""Database plumbing shared by the store and the audit log: engines for SQLite (WAL) and
PostgreSQL, read-only transactions, and the clock."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# China has had one offset and no daylight saving since 1991: consent dates are local dates.
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def now_utc() -> str:
    """Return the current UTC time as ISO 8601 with milliseconds (sortable as text)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def today_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def default_url() -> str:
    """EH_BANK_DB_URL, else a SQLite file beside the data (data/bank_api/bank.sqlite)."""
    url = os.environ.get("EH_BANK_DB_URL")
    if url:
        return url
    root = Path(__file__).resolve().parents[1] / "data" / "bank_api"
    return f"sqlite:///{root / 'bank.sqlite'}"


def sqlite_sync() -> str:
    """EH_BANK_SQLITE_SYNC: ``normal`` (default) or ``full``.

    ``normal`` (WAL): a commit writes the WAL and returns without fsync, so a committed audit
    row survives a crash or kill -9 of the service at once, and a power cut once the
    background checkpoint (every EH_BANK_CHECKPOINT_SECONDS, default 1 s) has fsynced it.
    ``full`` fsyncs every commit (survives a power cut at once), but then every answer waits
    for the disk: while a big file is written on the same disk (publishing a snapshot copies
    the whole warehouse) one fsync can take half a second (measured: docs/bank_service.md).
    """
    value = os.environ.get("EH_BANK_SQLITE_SYNC", "normal").lower()
    if value not in ("full", "normal"):
        raise ValueError(f"EH_BANK_SQLITE_SYNC must be full or normal, got {value!r}")
    return value


def make_engine(url: str, background_checkpoints: bool = False) -> Engine:
    """Return an engine for ``url`` (sqlite:///path or postgresql://…).

    ``background_checkpoints``: SQLite connections never checkpoint the WAL themselves (a
    checkpoint fsyncs; a commit must not wait for it); ``checkpoint`` is run by a thread."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _setup(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("pragma journal_mode=wal")
        cur.execute(f"pragma synchronous={sqlite_sync()}")
        cur.execute("pragma busy_timeout=30000")
        if background_checkpoints:
            cur.execute("pragma wal_autocheckpoint=0")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers take the write lock at the start: two writers queue on busy_timeout instead
        # of one failing when it upgrades a read transaction. Readers (``reading``) do not.
        if conn.get_execution_options().get("eh_read"):
            conn.exec_driver_sql("begin")
        else:
            conn.exec_driver_sql("begin immediate")

    return engine


def checkpoint(engine: Engine) -> None:
    """Copy the SQLite WAL into the database file and fsync it (PASSIVE: writers go on)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("pragma wal_checkpoint(PASSIVE)").fetchall()
    finally:
        raw.close()


@contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A read-only transaction (on SQLite a deferred one: it never waits for the write lock)."""
    with engine.connect() as conn:
        conn.execution_options(eh_read=True)
        try:
            yield conn
        finally:
            conn.rollback()
