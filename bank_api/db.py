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


def make_engine(url: str) -> Engine:
    """Return an engine for ``url`` (sqlite:///path or postgresql://…)."""
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
        # FULL: a committed audit row survives a crash of the machine, not only of the process.
        cur.execute("pragma synchronous=full")
        cur.execute("pragma busy_timeout=30000")
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


@contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A read-only transaction (on SQLite a deferred one: it never waits for the write lock)."""
    with engine.connect() as conn:
        conn.execution_options(eh_read=True)
        try:
            yield conn
        finally:
            conn.rollback()
