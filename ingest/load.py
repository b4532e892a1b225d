"""Load landing files of one feed into the raw schema of the warehouse, delivery by delivery.

A delivery is a version of a (feed, period): the files of one delivery folder that cover the
period (one file, or the ``_partN`` pieces of one). Guarantees:

- every file of the feed gets a status in the append-only log ``raw.ingest_log`` (the view
  ``raw.ingest_files`` shows each file's latest): loaded, replaced (by a later version),
  duplicate (same content as a file in effect, whatever its name), rejected (with the reason),
  held (a re-delivery that shrinks the period sharply or is empty, kept for review) or
  superseded (an older delivery than the one in effect);
- received = accepted + quarantined for every loaded file (accepted rows in ``raw.<feed>``,
  the rest in ``raw.quarantine`` with file, place, column, value and reason in two languages);
- a later delivery of the same period replaces the rows of the earlier one whatever its folder,
  in one transaction, so a crash never leaves half a delivery loaded;
- a broken file is rejected with its message, the version in effect stays, the feed's other
  files still load, and ``FeedError`` is raised at the end naming every broken file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.contracts import FeedContract
from ingest.filelog import (
    Current,
    FileResult,
    current_state,
    ensure_log,
    log_unrecognised,
    released_files,
    sha256_of,
    write_log,
)
from ingest.landing import LandingFile, discover
from ingest.rawfile import BrokenFileError, RawFile
from ingest.read import read_file
from ingest.validate import column_dtype, validate

__all__ = ["FeedError", "FeedResult", "FileResult", "ensure_log", "ingest_feed", "log_unrecognised"]

# A re-delivery holding fewer than this share of the rows of the version in effect (or none)
# is held for review instead of applied (EH_INGEST_HOLD_BELOW overrides it for a run).
HOLD_BELOW = 0.5

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
class FeedResult:
    feed_id: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def broken(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def held(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "held"]

    def totals(self) -> dict[str, int]:
        loaded = [f for f in self.files if f.status == "loaded" and f.logged]
        count = {s: 0 for s in ("duplicate", "rejected", "held", "superseded", "replaced")}
        for f in self.files:
            if f.status in count:
                count[f.status] += 1
        return {
            "files_seen": len({f.file for f in self.files if f.status != "replaced"}),
            "files_loaded": len(loaded),
            "files_unchanged": sum(not f.logged for f in self.files),
            "files_duplicate": count["duplicate"],
            "files_rejected": count["rejected"],
            "files_held": count["held"],
            "files_superseded": count["superseded"],
            "files_replaced": count["replaced"],
            "rows_received": sum(f.received for f in loaded),
            "rows_accepted": sum(f.accepted for f in loaded),
            "rows_quarantined": sum(f.quarantined for f in loaded),
        }


def ensure_tables(con: duckdb.DuckDBPyConnection, contract: FeedContract) -> None:
    """Create the raw schema, the feed's raw table, the quarantine table and the file log."""
    ensure_log(con)
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


def ingest_feed(
    con: duckdb.DuckDBPyConnection,
    contract: FeedContract,
    landing_root: Path,
    log: Callable[[str], None] = lambda _msg: None,
    hold_below: float = HOLD_BELOW,
) -> FeedResult:
    """Load every new or changed delivery of one feed; raise FeedError after if a file is broken."""
    ensure_tables(con, contract)
    feed = contract.feed_id
    result = FeedResult(feed)
    current, in_effect = current_state(con, feed)
    # what a file is a version of follows from its name (log entries migrated from the file log
    # of before versions were kept carry only the period)
    for f, c in [*current.items(), *in_effect.items()]:
        c.slot = contract.slot(Path(f).name) or c.slot
    released = released_files(con, feed)
    files = discover(landing_root, contract)
    by_slot: dict[str, dict[str, list[LandingFile]]] = {}
    for f in files:
        by_slot.setdefault(f.slot, {}).setdefault(f.delivery, []).append(f)
    # content of every file in effect, to recognise the same file under another name
    in_effect_sha = {c.sha256: f for f, c in in_effect.items()}
    for n, (slot, deliveries) in enumerate(sorted(by_slot.items()), start=1):
        applied = {f: c for f, c in in_effect.items() if c.slot == slot}
        applied_delivery = max((c.delivery for c in applied.values()), default=None)
        newest = max(deliveries)
        for delivery in sorted(deliveries):
            group = deliveries[delivery]
            if delivery != newest or (applied_delivery and delivery < applied_delivery):
                for f in group:
                    _supersede(con, feed, f, current, in_effect, result, newest, applied_delivery)
                continue
            _apply_delivery(
                con,
                contract,
                group,
                applied,
                current,
                released,
                in_effect_sha,
                result,
                hold_below,
                log,
            )
        if n % 50 == 0:
            log(f"[{feed}] {n}/{len(by_slot)} periods checked")
    _report(result, log, feed)
    if result.broken:
        details = "; ".join(f"{f.file}: {f.message}" for f in result.broken)
        raise FeedError(
            f"feed {feed}: {len(result.broken)} of {len(files)} file(s) rejected, "
            f"the other files were loaded. {details}",
            result,
        )
    return result


def _report(result: FeedResult, log: Callable[[str], None], feed: str) -> None:
    for r in result.files:
        if not r.logged:
            continue
        if r.status == "loaded":
            log(
                f"[{feed}] {r.file}: {r.received} received, {r.accepted} accepted, "
                f"{r.quarantined} quarantined"
            )
        else:
            log(f"[{feed}] {r.status.upper()} {r.file}: {r.message}")


def _base(f: LandingFile, sha: str, status: str) -> FileResult:
    return FileResult(
        file=f.rel,
        period=f.period,
        delivery=f.delivery,
        sha256=sha,
        status=status,
        slot=f.slot,
        size_bytes=f.path.stat().st_size,
    )


def _same_as_logged(r: FileResult, prev: Current | None) -> bool:
    return prev is not None and prev.sha256 == r.sha256 and prev.status == r.status


def _unchanged(r: FileResult, prev: Current) -> FileResult:
    r.status, r.logged = prev.status, False
    r.received, r.accepted, r.quarantined = prev.received, prev.accepted, prev.quarantined
    r.message, r.message_zh = prev.message, prev.message_zh
    return r


def _supersede(
    con, feed, f: LandingFile, current, in_effect, result, newest, applied_delivery
) -> None:
    sha = sha256_of(f.path)
    r = _base(f, sha, "superseded")
    later = max(x for x in (newest, applied_delivery) if x)
    r.message = f"an older delivery than {later}, which is the version in effect; not loaded"
    r.message_zh = f"早于报送批次 {later}（现行版本）的旧版本，未入库"
    prev = current.get(f.rel)
    if f.rel in in_effect and in_effect[f.rel].sha256 == sha:
        # still in effect until the newer delivery is applied (then it is logged replaced)
        result.files.append(_unchanged(_base(f, sha, "loaded"), in_effect[f.rel]))
        return
    if _same_as_logged(r, prev):
        result.files.append(_unchanged(r, prev))
        return
    write_log(con, feed, r)
    result.files.append(r)


def _apply_delivery(
    con, contract, group, applied, current, released, in_effect_sha, result, hold_below, log
) -> None:
    feed = contract.feed_id
    shas = {f.rel: sha256_of(f.path) for f in group}
    prevs = {f.rel: current.get(f.rel) for f in group}
    is_released = all((f.rel, shas[f.rel]) in released for f in group)
    if all(
        p is not None and p.sha256 == shas[rel] and (p.status != "held" or not is_released)
        for rel, p in prevs.items()
    ):
        for f in group:
            result.files.append(_unchanged(_base(f, shas[f.rel], "loaded"), prevs[f.rel]))
        return
    frames: list[tuple[LandingFile, RawFile]] = []
    results: dict[str, FileResult] = {}
    broken: BrokenFileError | None = None
    for f in group:
        try:
            frames.append((f, read_file(f.path, contract, display_name=f.rel)))
        except BrokenFileError as exc:
            broken = broken or exc
    # the same content as a file in effect (under another name), or as another part; files
    # without rows (e.g. a month with no events) legitimately share their bytes
    kept, seen_here = [], {}
    for f, raw in frames:
        sha = shas[f.rel]
        same = seen_here.get(sha) or in_effect_sha.get(sha)
        if raw.frame.height and same is not None and same != f.rel:
            r = _base(f, sha, "duplicate")
            r.message = f"same content as {same}, which is loaded; not loaded again"
            r.message_zh = f"内容与已入库的 {same} 完全相同，未重复入库"
            results[f.rel] = r
        else:
            seen_here[sha] = f.rel
            kept.append((f, raw))
    frames = kept
    accepted = quarantined = None
    if broken is None and frames:
        try:
            accepted, quarantined = _validate_all(frames, contract)
        except BrokenFileError as exc:
            broken = exc
    if broken is not None:
        for f in group:
            if f.rel in results:
                continue
            r = _base(f, shas[f.rel], "rejected")
            if f.rel == broken.file:
                r.message, r.message_zh = broken.problem, broken.problem_zh
            else:
                r.message = f"not loaded: {broken.file} of the same delivery is rejected"
                r.message_zh = f"未入库：同一报送批次的 {broken.file} 被拒收"
            results[f.rel] = r
    if broken is not None or not frames:
        for r in results.values():
            _record(con, feed, r, prevs.get(r.file), result)
        return
    received = {f.rel: raw.frame.height for f, raw in frames}
    acc_n = dict(accepted.group_by("_file").len().iter_rows())
    qua_n = dict(quarantined.group_by("_file").len().iter_rows())
    new_total = sum(received.values())
    old_total = sum(c.received for c in applied.values())
    # a re-delivery that empties or sharply shrinks the period waits for a person
    hold = bool(applied) and old_total > 0 and new_total < hold_below * old_total
    hold = hold and not is_released
    for f, raw in frames:
        r = _base(f, shas[f.rel], "held" if hold else "loaded")
        r.received, r.accepted, r.quarantined = (
            received[f.rel],
            acc_n.get(f.rel, 0),
            qua_n.get(f.rel, 0),
        )
        assert r.received == r.accepted + r.quarantined  # validate() splits, never drops
        if hold:
            r.message = (
                f"held for review: this delivery has {new_total} row(s) for period {f.period}, "
                f"the version in effect has {old_total}; it replaces it only after review "
                f"(python -m ingest release {f.rel})"
            )
            r.message_zh = (
                f"暂缓入库待复核：本次报送期间 {f.period} 共 {new_total} 行，现行版本有 "
                f"{old_total} 行；复核放行后才替换（python -m ingest release {f.rel}）"
            )
        else:
            notes = (["released after review"] if is_released else []) + raw.warnings
            r.message = "; ".join(notes)
            r.message_zh = "；".join((["复核后放行"] if is_released else []) + raw.warnings)
        results[f.rel] = r
    if hold:
        for r in results.values():
            _record(con, feed, r, prevs.get(r.file), result)
        return
    _commit(con, contract, frames, accepted, quarantined, applied, results, result)
    for r in results.values():
        if r.status == "loaded":
            in_effect_sha[r.sha256] = r.file


def _record(con, feed: str, r: FileResult, prev: Current | None, result: FeedResult) -> None:
    """Log a decision unless it is the one already logged for the same content."""
    if _same_as_logged(r, prev):
        result.files.append(_unchanged(r, prev))
        return
    write_log(con, feed, r)
    result.files.append(r)


def _validate_all(frames, contract: FeedContract) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate the files of one delivery together (duplicates are judged across its parts)."""
    f0 = frames[0][0]
    letters = {}
    parts = []
    for f, raw in frames:
        parts.append(raw.frame.with_columns(pl.lit(f.rel).alias("_file")))
        letters.update(raw.letters)
    combined = RawFile(pl.concat(parts, how="vertical"), [], letters)
    return validate(
        combined,
        contract,
        file=f0.rel,
        period=f0.period,
        delivery=f0.delivery,
    )


def _commit(con, contract, frames, accepted, quarantined, applied, results, result) -> None:
    feed = contract.feed_id
    f0 = frames[0][0]
    sha_of = {r.file: r.sha256 for r in results.values()}
    accepted = accepted.with_columns(
        pl.lit(f0.period).alias("_period"),
        pl.lit(f0.delivery).alias("_delivery"),
        pl.col("_file").replace_strict(sha_of, default=None).alias("_file_sha256"),
    )
    quarantined = quarantined.select(
        pl.lit(feed).alias("feed_id"),
        pl.col("_file").alias("file"),
        pl.col("_line").alias("line"),
        "reason_code",
        "reason",
        "raw_row",
        pl.col("_file").replace_strict(sha_of, default=None).alias("file_sha256"),
        "location",
        "column_name",
        "value",
        "reason_zh",
    )
    # earlier versions leave: other files of the period, and this file's earlier content
    replaced = [
        f
        for f, c in applied.items()
        if f not in results or results[f].sha256 != c.sha256 or results[f].status != "loaded"
    ]
    touched = sorted(set(applied) | {f.rel for f, _ in frames})
    con.execute("begin transaction")
    try:
        con.execute(
            f"delete from raw.{feed} where _file in (select unnest(?::varchar[]))", [touched]
        )
        con.execute(
            "delete from raw.quarantine where feed_id = ? and file in "
            "(select unnest(?::varchar[]))",
            [feed, touched],
        )
        con.register("_accepted", accepted.to_arrow())
        con.register("_quarantined", quarantined.to_arrow())
        con.execute(f"insert into raw.{feed} by name select * from _accepted")
        con.execute("insert into raw.quarantine by name select * from _quarantined")
        new_files = ", ".join(f.rel for f, _ in frames)
        for old in replaced:
            c = applied[old]
            r = FileResult(
                file=old,
                period=f0.period,
                delivery=c.delivery,
                sha256=c.sha256,
                status="replaced",
                slot=c.slot,
                message=f"replaced by the later delivery {new_files}"
                if old not in sha_of
                else "replaced by a corrected version delivered under the same name",
                message_zh=f"已被后续报送 {new_files} 替换"
                if old not in sha_of
                else "已被同名的更正版本替换",
            )
            write_log(con, feed, r)
            result.files.append(r)
        for r in results.values():
            write_log(con, feed, r)
            result.files.append(r)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_accepted")
        con.unregister("_quarantined")
