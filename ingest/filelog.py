"""The file log of the landing zone: ``raw.ingest_log``, append-only, one entry per decision
about a file's content (loaded, replaced, duplicate, rejected, held, superseded, unrecognised);
the view ``raw.ingest_files`` shows the latest entry of each file version (file, sha256); the
quarantine table and the reviewers' releases of held deliveries live beside it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.landing import Unrecognised

_LOG_COLUMNS = (
    "log_id",
    "logged_at",
    "feed_id",
    "file",
    "slot",
    "period",
    "delivery",
    "sha256",
    "size_bytes",
    "status",
    "received",
    "accepted",
    "quarantined",
    "message",
    "message_zh",
)


@dataclass
class FileResult:
    file: str
    period: str
    delivery: str
    sha256: str
    status: str  # loaded | unchanged | duplicate | rejected | held | superseded | replaced
    received: int = 0
    accepted: int = 0
    quarantined: int = 0
    message: str = ""
    message_zh: str = ""
    slot: str = ""
    size_bytes: int = 0
    logged: bool = True  # False: nothing new happened to the file in this run


def ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    """Create the append-only file log, the view of each file's latest entry, the quarantine
    and the review releases (migrating a file log from before versions were kept)."""
    con.execute("create schema if not exists raw")
    con.execute("create sequence if not exists raw.ingest_log_id")
    con.execute(
        """create table if not exists raw.ingest_log (
            log_id bigint default nextval('raw.ingest_log_id'), logged_at timestamp,
            feed_id varchar, file varchar, slot varchar, period varchar, delivery varchar,
            sha256 varchar, size_bytes bigint, status varchar, received bigint, accepted bigint,
            quarantined bigint, message varchar, message_zh varchar)"""
    )
    old = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'ingest_files'"
    ).fetchall()
    if old and old[0][0] == "BASE TABLE":
        con.execute(
            """insert into raw.ingest_log (logged_at, feed_id, file, slot, period, delivery,
                   sha256, status, received, accepted, quarantined, message)
               select loaded_at, feed_id, file, period, period, delivery, sha256,
                   case status when 'duplicate_delivery' then 'duplicate' else status end,
                   received, accepted, quarantined, message
               from raw.ingest_files order by loaded_at"""
        )
        con.execute("drop table raw.ingest_files")
    con.execute(
        """create view if not exists raw.ingest_files as
           select * exclude (rn) from (
               select *, logged_at as loaded_at,
                   row_number() over (
                       partition by feed_id, file, sha256 order by log_id desc) as rn
               from raw.ingest_log) where rn = 1"""
    )
    con.execute(
        """create table if not exists raw.quarantine (
            feed_id varchar, file varchar, line bigint, reason_code varchar, reason varchar,
            raw_row varchar, file_sha256 varchar)"""
    )
    for column in ("location", "column_name", "value", "reason_zh"):
        con.execute(f"alter table raw.quarantine add column if not exists {column} varchar")
    con.execute(
        """create table if not exists raw.ingest_releases (
            feed_id varchar, file varchar, sha256 varchar, released_by varchar,
            reason varchar, released_at timestamp)"""
    )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_log(con: duckdb.DuckDBPyConnection, feed_id: str, r: FileResult) -> None:
    con.execute(
        f"insert into raw.ingest_log ({', '.join(_LOG_COLUMNS[1:])}) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            feed_id,
            r.file,
            r.slot,
            r.period,
            r.delivery,
            r.sha256,
            r.size_bytes,
            r.status,
            r.received,
            r.accepted,
            r.quarantined,
            r.message,
            r.message_zh,
        ],
    )


def log_unrecognised(con: duckdb.DuckDBPyConnection, items: list[Unrecognised], root: Path) -> int:
    """Log each unrecognised landing file once per content; return how many were new."""
    ensure_log(con)
    seen = {
        (f, s)
        for f, s in con.execute(
            "select file, sha256 from raw.ingest_files where status = 'unrecognised'"
        ).fetchall()
    }
    new = 0
    for u in items:
        sha = sha256_of(root / u.rel)
        if (u.rel, sha) in seen:
            continue
        write_log(
            con,
            "",
            FileResult(
                file=u.rel,
                period="",
                delivery=u.folder,
                sha256=sha,
                status="unrecognised",
                message=u.reason,
                message_zh=u.reason_zh,
                size_bytes=u.size,
            ),
        )
        new += 1
    return new


@dataclass
class Current:
    """The latest log entry of one file."""

    sha256: str
    status: str
    slot: str
    delivery: str
    received: int
    accepted: int
    quarantined: int
    message: str
    message_zh: str


def current_state(
    con: duckdb.DuckDBPyConnection, feed_id: str
) -> tuple[dict[str, Current], dict[str, Current]]:
    """(the latest log entry of each file, the file versions whose rows are in raw.<feed>)."""
    rows = con.execute(
        """select file, sha256, status, slot, delivery, received, accepted, quarantined,
                  coalesce(message, ''), coalesce(message_zh, ''),
                  row_number() over (partition by file order by log_id desc) = 1 as latest
           from raw.ingest_files where feed_id = ?""",
        [feed_id],
    ).fetchall()
    latest = {r[0]: Current(*r[1:10]) for r in rows if r[10]}
    in_effect = {r[0]: Current(*r[1:10]) for r in rows if r[2] == "loaded"}
    return latest, in_effect


def released_files(con: duckdb.DuckDBPyConnection, feed_id: str) -> set[tuple[str, str]]:
    rows = con.execute(
        "select file, sha256 from raw.ingest_releases where feed_id = ?", [feed_id]
    ).fetchall()
    return {(f, s) for f, s in rows}
