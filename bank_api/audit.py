"""The audit log: append-only, each row chained by hash to the one before, committed before the
answer leaves.

``row_hash = sha256(prev_hash || canonical JSON of the row's fields)``; ``audit_head`` holds the
last sequence number and hash, updated in the same transaction, so ``verify`` finds a changed
row (its hash), a deleted row (a gap or a broken link) and a deleted tail (the head). Triggers
refuse UPDATE and DELETE on the table. ``AuditWriter`` commits the rows of many concurrent
requests in one transaction (group commit): each request waits for its batch's commit.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import sqlalchemy as sa

from bank_api.db import CHINA, reading

log = logging.getLogger("bank_api.audit")

GENESIS = "0" * 64
FIELDS = [
    "seq",
    "at",
    "request_id",
    "key_id",
    "principal_kind",
    "principal_id",
    "firm_id",
    "purpose",
    "endpoint",
    "http_status",
    "outcome",
    "snapshot_id",
]

audit_metadata = sa.MetaData()
audit_log = sa.Table(
    "audit_log",
    audit_metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("request_id", sa.String(32), nullable=False, index=True),
    sa.Column("key_id", sa.String(32)),
    sa.Column("principal_kind", sa.String(16)),
    sa.Column("principal_id", sa.String(64)),
    sa.Column("firm_id", sa.String(64)),
    sa.Column("purpose", sa.String(32)),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("http_status", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("snapshot_id", sa.String(40)),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_firm_at", "firm_id", "at"),
    sa.Index("ix_audit_principal_at", "principal_id", "at"),
)
audit_head = sa.Table(
    "audit_head",
    audit_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

_SQLITE_GUARDS = [
    "create trigger if not exists audit_log_no_update before update on audit_log "
    "begin select raise(abort, 'audit_log is append-only'); end",
    "create trigger if not exists audit_log_no_delete before delete on audit_log "
    "begin select raise(abort, 'audit_log is append-only'); end",
]
_PG_GUARDS = [
    "create or replace function audit_log_append_only() returns trigger language plpgsql as "
    "$$ begin raise exception 'audit_log is append-only'; end $$",
    "drop trigger if exists audit_log_append_only on audit_log",
    "create trigger audit_log_append_only before update or delete on audit_log "
    "for each row execute function audit_log_append_only()",
]


def install_guards(conn) -> None:
    """Create the head row and the triggers that refuse UPDATE and DELETE of audit rows."""
    if conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first() is None:
        conn.execute(sa.insert(audit_head).values(id=1, last_seq=0, last_hash=GENESIS))
    guards = _SQLITE_GUARDS if conn.dialect.name == "sqlite" else _PG_GUARDS
    for statement in guards:
        conn.exec_driver_sql(statement)


def row_hash(prev: str, row: dict) -> str:
    """Return the hash that chains ``row`` (its FIELDS) to the previous row's hash ``prev``."""
    payload = orjson.dumps([row.get(f) for f in FIELDS])
    return hashlib.sha256(prev.encode() + payload).hexdigest()


def _insert_sql(dialect) -> str:
    """The driver-level INSERT of an audit row (paramstyle of the dialect: qmark or format)."""
    columns = [*FIELDS, "prev_hash", "row_hash"]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return (
        f"insert into audit_log ({', '.join(columns)}) values ({', '.join([mark] * len(columns))})"
    )


def append(engine, rows: list[dict]) -> list[int]:
    """Append ``rows`` (FIELDS but seq) in one transaction; return their sequence numbers."""
    if not rows:
        return []
    insert = _insert_sql(engine.dialect)
    with engine.begin() as conn:
        head = conn.execute(
            sa.select(audit_head.c.last_seq, audit_head.c.last_hash)
            .where(audit_head.c.id == 1)
            .with_for_update()  # PostgreSQL: writers of several processes queue here
        ).one()
        seq, prev = head.last_seq, head.last_hash
        first = seq + 1
        values = []
        for row in rows:
            seq += 1
            fields = [seq, *(row.get(f) for f in FIELDS[1:])]
            digest = hashlib.sha256(prev.encode() + orjson.dumps(fields)).hexdigest()
            values.append((*fields, prev, digest))
            prev = digest
        # Straight to the driver: the writer runs for every request, SQLAlchemy's per-row
        # parameter processing would cost more than the rest of the answer.
        conn.exec_driver_sql(insert, values)
        conn.execute(
            sa.update(audit_head).where(audit_head.c.id == 1).values(last_seq=seq, last_hash=prev)
        )
    return list(range(first, seq + 1))


@dataclass
class Verification:
    rows: int
    last_seq: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(engine, chunk: int = 20_000, max_problems: int = 20) -> Verification:
    """Walk the chain from the first row; return the rows checked and what is wrong."""
    problems: list[str] = []
    expected, prev, rows = 1, GENESIS, 0
    with reading(engine) as conn:
        head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first()
        after = 0
        while len(problems) < max_problems:
            batch = conn.execute(
                sa.select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(chunk)
            ).all()
            if not batch:
                break
            for r in batch:
                row = dict(r._mapping)
                rows += 1
                if row["seq"] != expected:
                    problems.append(f"rows {expected}..{row['seq'] - 1} are missing (deleted)")
                if row["prev_hash"] != prev:
                    problems.append(f"row {row['seq']}: link to the previous row is broken")
                if row_hash(row["prev_hash"], row) != row["row_hash"]:
                    problems.append(f"row {row['seq']}: content changed since it was written")
                expected, prev = row["seq"] + 1, row["row_hash"]
            after = batch[-1].seq
    last = expected - 1
    if head is None:
        problems.append("audit head is missing")
    elif head.last_seq != last or head.last_hash != prev:
        if head.last_seq > last:
            problems.append(f"rows {last + 1}..{head.last_seq} are missing (deleted)")
        else:
            problems.append(f"audit head ({head.last_seq}) does not match the last row ({last})")
    return Verification(rows, last, problems[:max_problems])


def month_bounds(month: str) -> tuple[str, str]:
    """Return the UTC ISO bounds [start, end) of a calendar month in China (YYYY-MM).

    >>> month_bounds("2026-12")
    ('2026-11-30T16:00:00.000+00:00', '2026-12-31T16:00:00.000+00:00')
    """
    start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=CHINA)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return tuple(t.astimezone(dt.UTC).isoformat(timespec="milliseconds") for t in (start, end))


def rows_for(engine, *, principal_id=None, firm_id=None, month=None, limit=None) -> list[dict]:
    """Return audit rows of one bank (principal) or about one firm, optionally in one month."""
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if principal_id:
        query = query.where(audit_log.c.principal_id == principal_id)
    if firm_id:
        query = query.where(audit_log.c.firm_id == firm_id)
    if month:
        start, end = month_bounds(month)
        query = query.where(audit_log.c.at >= start, audit_log.c.at < end)
    if limit:
        query = query.limit(limit)
    with reading(engine) as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def export_csv(engine, path: Path, principal_id: str, month: str) -> int:
    """Write one bank's audit rows of one month to ``path`` (CSV, UTF-8 with BOM, with the
    hashes, so the recipient can check them); return the row count."""
    rows = rows_for(engine, principal_id=principal_id, month=month)
    columns = [*FIELDS, "prev_hash", "row_hash"]
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


class AuditWriter:
    """Group commit: requests hand in their rows and wait; one thread commits everything that
    queued up meanwhile in one transaction, then wakes them all.

    A request is answered only after its rows are committed (``await write(rows)``); when the
    store cannot be written the caller gets the exception and must not answer with data.
    """

    def __init__(self, engine, max_rows: int = 5000) -> None:
        self.engine = engine
        self.max_rows = max_rows
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread()  # not started: write() refuses until start()
        self.batches = 0
        self.rows = 0

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Commit what is queued, then end the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    async def write(self, rows: list[dict]) -> None:
        if not self._thread.is_alive():
            raise RuntimeError("the audit writer is not running")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((rows, loop, future))
        await future

    def write_sync(self, rows: list[dict]) -> None:
        append(self.engine, rows)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            size = len(item[0])
            while size < self.max_rows:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                size += len(item[0])
            error = None
            for attempt in range(3):
                try:
                    append(self.engine, [r for rows, _, _ in batch for r in rows])
                    error = None
                    break
                except Exception as exc:  # retried, then handed to the waiting requests
                    error = exc
                    log.warning("audit commit failed (attempt %d): %s", attempt + 1, exc)
                    time.sleep(0.05 * (attempt + 1))
            self.batches += 1
            self.rows += size
            by_loop: dict = {}
            for _, loop, future in batch:
                by_loop.setdefault(loop, []).append(future)
            for loop, futures in by_loop.items():
                loop.call_soon_threadsafe(_settle, futures, error)


def _settle(futures, error) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
