"""Load landing files of one feed into the raw schema of the warehouse, file by file.

Guarantees, per file:
- received = accepted + quarantined (accepted rows in ``raw.<feed>``, the rest in
  ``raw.quarantine`` with file, line, reason and the raw row);
- one transaction, so a crash never leaves half a file loaded;
- a file whose bytes were loaded before (same path, or same content under another path) changes
  nothing; a corrected file replaces the rows of its earlier version;
- a broken file is recorded as rejected with its message, the feed's other files still load, and
  ``FeedError`` is raised at the end naming every broken file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingest.contracts import FeedContract
from ingest.read import BrokenFileError, read_raw
from ingest.validate import column_dtype, validate

_SQL_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Float64: "DOUBLE",
    pl.Date: "DATE",
}

SYSTEM_COLUMNS = {
    "_line": "BIGINT",
    "_file": "VARCHAR",
    "_period": "VARCHAR",
    "_delivery": "VARCHAR",
    "_file_sha256": "VARCHAR",
}


class FeedError(Exception):
    """One or more files of a feed are broken; the good files of the feed were still loaded."""

    def __init__(self, message: str, result: FeedResult):
        super().__init__(message)
        self.result = result


@dataclass
class FileResult:
    file: str
    period: str
    delivery: str
    sha256: str
    status: str  # loaded | unchanged | duplicate_delivery | rejected
    received: int = 0
    accepted: int = 0
    quarantined: int = 0
    message: str = ""


@dataclass
class FeedResult:
    feed_id: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def broken(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    def totals(self) -> dict[str, int]:
        loaded = [f for f in self.files if f.status == "loaded"]
        return {
            "files_seen": len(self.files),
            "files_loaded": len(loaded),
            "files_unchanged": sum(f.status == "unchanged" for f in self.files),
            "files_duplicate": sum(f.status == "duplicate_delivery" for f in self.files),
            "files_rejected": len(self.broken),
            "rows_received": sum(f.received for f in loaded),
            "rows_accepted": sum(f.accepted for f in loaded),
            "rows_quarantined": sum(f.quarantined for f in loaded),
        }


def discover(landing_root: Path, contract: FeedContract) -> list[tuple[Path, str, str]]:
    """Return (path, period, delivery folder) of every file of the feed, in delivery order."""
    base = landing_root / contract.department
    found = []
    if base.is_dir():
        for path in base.glob("*/*"):
            period = contract.match(path.name)
            if period is not None and path.is_file():
                found.append((path, period, path.parent.name))
    return sorted(found, key=lambda t: (t[2], t[0].name))


def ensure_tables(con: duckdb.DuckDBPyConnection, contract: FeedContract) -> None:
    """Create the raw schema, the feed's raw table, the quarantine table and the file log."""
    con.execute("create schema if not exists raw")
    cols = [f'"{c.name}" {_SQL_TYPES[column_dtype(c)]}' for c in contract.columns]
    cols += [f"{k} {v}" for k, v in SYSTEM_COLUMNS.items()]
    con.execute(f"create table if not exists raw.{contract.feed_id} ({', '.join(cols)})")
    # a contract that gained columns (e.g. the annual report's 多报合一 sections) widens the
    # table of an existing warehouse; rows loaded before keep nulls there
    for c in contract.columns:
        con.execute(
            f'alter table raw.{contract.feed_id} add column if not exists "{c.name}" '
            f"{_SQL_TYPES[column_dtype(c)]}"
        )
    con.execute(
        """create table if not exists raw.quarantine (
            feed_id varchar, file varchar, line bigint, reason_code varchar, reason varchar,
            raw_row varchar, file_sha256 varchar)"""
    )
    con.execute(
        """create table if not exists raw.ingest_files (
            feed_id varchar, file varchar, period varchar, delivery varchar, sha256 varchar,
            status varchar, received bigint, accepted bigint, quarantined bigint,
            message varchar, loaded_at timestamp, primary key (feed_id, file))"""
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _record(con: duckdb.DuckDBPyConnection, feed_id: str, r: FileResult) -> None:
    con.execute(
        "insert or replace into raw.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            feed_id,
            r.file,
            r.period,
            r.delivery,
            r.sha256,
            r.status,
            r.received,
            r.accepted,
            r.quarantined,
            r.message,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def ingest_feed(
    con: duckdb.DuckDBPyConnection,
    contract: FeedContract,
    landing_root: Path,
    log: Callable[[str], None] = lambda _msg: None,
) -> FeedResult:
    """Load every new or changed file of one feed; raise FeedError after if any file is broken."""
    ensure_tables(con, contract)
    result = FeedResult(contract.feed_id)
    known = {
        (row[0]): (row[1], row[2])
        for row in con.execute(
            "select file, sha256, status from raw.ingest_files where feed_id = ?",
            [contract.feed_id],
        ).fetchall()
    }
    # The same file delivered again (same name and bytes, another delivery folder) is a
    # duplicate; files of different periods may legitimately share bytes (e.g. empty deltas).
    loaded_sha = {
        (Path(f).name, sha): f for f, (sha, status) in known.items() if status == "loaded"
    }
    files = discover(landing_root, contract)
    for i, (path, period, delivery) in enumerate(files, start=1):
        rel = path.relative_to(landing_root).as_posix()
        sha = _sha256(path)
        r = FileResult(file=rel, period=period, delivery=delivery, sha256=sha, status="loaded")
        prev = known.get(rel)
        if prev is not None and prev == (sha, "loaded"):
            r.status = "unchanged"
            result.files.append(r)
            continue
        original = loaded_sha.get((path.name, sha))
        if original is not None and original != rel:
            r.status, r.message = "duplicate_delivery", f"same file as {original}"
            _record(con, contract.feed_id, r)
            result.files.append(r)
            log(f"[{contract.feed_id}] {rel}: {r.message}, skipped")
            continue
        try:
            raw = read_raw(path, contract, display_name=rel)
        except BrokenFileError as exc:
            r.status, r.message = "rejected", exc.problem
            _record(con, contract.feed_id, r)
            result.files.append(r)
            log(f"[{contract.feed_id}] REJECTED {rel}: {exc.problem}")
            continue
        accepted, quarantined = validate(raw, contract)
        r.received, r.accepted, r.quarantined = raw.height, accepted.height, quarantined.height
        assert r.received == r.accepted + r.quarantined  # validate() splits, never drops
        accepted = accepted.with_columns(
            pl.lit(rel).alias("_file"),
            pl.lit(period).alias("_period"),
            pl.lit(delivery).alias("_delivery"),
            pl.lit(sha).alias("_file_sha256"),
        )
        quarantined = quarantined.select(
            pl.lit(contract.feed_id).alias("feed_id"),
            pl.lit(rel).alias("file"),
            pl.col("_line").alias("line"),
            "reason_code",
            "reason",
            "raw_row",
            pl.lit(sha).alias("file_sha256"),
        )
        con.execute("begin transaction")
        try:
            con.execute(f"delete from raw.{contract.feed_id} where _file = ?", [rel])
            con.execute(
                "delete from raw.quarantine where feed_id = ? and file = ?",
                [contract.feed_id, rel],
            )
            con.register("_accepted", accepted.to_arrow())
            con.register("_quarantined", quarantined.to_arrow())
            con.execute(f"insert into raw.{contract.feed_id} by name select * from _accepted")
            con.execute("insert into raw.quarantine by name select * from _quarantined")
            _record(con, contract.feed_id, r)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.unregister("_accepted")
            con.unregister("_quarantined")
        loaded_sha[(path.name, sha)] = rel
        result.files.append(r)
        log(
            f"[{contract.feed_id}] {i}/{len(files)} {rel}: {r.received} received, "
            f"{r.accepted} accepted, {r.quarantined} quarantined"
        )
    if result.broken:
        details = "; ".join(f"{f.file}: {f.message}" for f in result.broken)
        raise FeedError(
            f"feed {contract.feed_id}: {len(result.broken)} of {len(files)} file(s) rejected, "
            f"the other files were loaded. {details}",
            result,
        )
    return result
