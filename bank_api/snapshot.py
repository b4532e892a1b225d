"""The published snapshot in memory: one object per published file, swapped by reference.

When a snapshot is loaded every firm's current answer is rendered once into ready JSON bytes;
a request takes ``holder.current`` once and reads only that object, so one response never mixes
two snapshots, and a republish (``pipelines/publish.py`` replaces the file atomically) moves the
service to the new file without a restart: the watcher thread loads it beside the old one and
swaps the reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import duckdb
import orjson
import polars as pl

from scoring.config import DIMENSION_LABELS_ZH, DIMENSIONS, GRADE_LABELS_ZH

log = logging.getLogger("bank_api.snapshot")

SCORES = "scoring.firm_health_scores"
MAX_REASONS = 4


def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def _sig(value, digits: int = 3):
    """Round to ``digits`` significant digits (a target, not a department's raw value)."""
    if value is None:
        return None
    return float(f"{float(value):.{digits}g}")


def _month(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)[:7]


class FirmEntry(NamedTuple):
    """One firm's current answer: its grade code, its ready ``firm`` object (JSON bytes) and,
    for 数据不足, the note that says why (a tuple: it crosses from the loading process fast)."""

    grade_code: str
    body: bytes
    insufficient_note: str | None


@dataclass(frozen=True)
class Snapshot:
    """One published file, fully in memory."""

    snapshot_id: str
    as_of_month: str | None
    model_version: str | None
    model_version_column: str
    published_at: str | None
    firms: dict[str, FirmEntry]
    history: pl.DataFrame
    offsets: dict[str, tuple[int, int]]
    loaded_at: float = field(default_factory=time.time)

    @property
    def meta(self) -> dict:
        return {
            "as_of_month": self.as_of_month,
            "model_version": self.model_version,
            "snapshot_id": self.snapshot_id,
        }

    @property
    def meta_bytes(self) -> bytes:
        """``"as_of_month":…,"model_version":…,"snapshot_id":…`` (no braces)."""
        return orjson.dumps(self.meta)[1:-1]

    def history_rows(self, firm_id: str, first: str | None, last: str | None) -> list[dict]:
        """Return the firm's monthly rows between the months ``first`` and ``last`` (YYYY-MM)."""
        start, length = self.offsets.get(firm_id, (0, 0))
        rows = self.history.slice(start, length).to_dicts()
        return [
            _history_item(r)
            for r in rows
            if (first is None or r["period_month"] >= first)
            and (last is None or r["period_month"] <= last)
        ]


def _dimensions(row: dict) -> list[dict]:
    return [
        {"code": d, "name": DIMENSION_LABELS_ZH[d], "score": _round(row.get(f"score_{d}"), 2)}
        for d in DIMENSIONS
    ]


def _history_item(row: dict) -> dict:
    return {
        "period_month": row["period_month"],
        "overall_score": _round(row["overall_score"], 2),
        "grade": row["grade"],
        "grade_code": row["grade_code"],
        "bank_points": _round(row["bank_points"], 1),
        "pd": _round(row["pd"], 6),
        "dimensions": _dimensions(row),
        "model_version": row["model_version"],
    }


def firm_object(row: dict) -> dict:
    """Return the ``firm`` object of a response from one row of the scores table."""
    codes = list(row.get("reason_codes") or [])
    texts = list(row.get("reasons") or [])
    reasons = [
        {"rank": i + 1, "code": code, "text": text}
        for i, (code, text) in enumerate(zip(codes, texts, strict=False))
    ][:MAX_REASONS]
    next_code = row.get("next_grade_code")
    next_grade = None
    if next_code:
        actions = [
            {"code": code, "text": text, "target": _sig(target)}
            for code, text, target in zip(
                row.get("lift_codes") or [],
                row.get("lift_actions") or [],
                row.get("lift_targets") or [],
                strict=False,
            )
        ]
        next_grade = {
            "grade_code": next_code,
            "grade": GRADE_LABELS_ZH.get(next_code, next_code),
            "score_gap": _round(row.get("score_to_next_grade"), 2),
            "actions": actions,
        }
    return {
        "firm_id": row["firm_id"],
        "scored_month": row["period_month"],
        "overall_score": _round(row.get("overall_score"), 2),
        "grade": row.get("grade"),
        "grade_code": row["grade_code"],
        "bank_points": _round(row.get("bank_points"), 1),
        "pd": _round(row.get("pd"), 6),
        "dimensions": _dimensions(row),
        "reasons": reasons,
        "red_flags": list(row.get("red_flags") or []),
        "strengths": list(row.get("strengths") or []),
        "next_grade": next_grade,
        "model_version": row["model_version"],
    }


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """Return (inode, size, mtime_ns) of ``path``, or None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _published_at(path: Path, size: int) -> str | None:
    try:
        manifest = json.loads(path.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # The manifest is written just after the file: trust it only when it describes this file.
    return manifest.get("published_at") if manifest.get("bytes") == size else None


def load_snapshot(path: Path) -> Snapshot:
    """Read the published DuckDB file at ``path`` into a Snapshot (read-only, then closed)."""
    signature = file_signature(path)
    if signature is None:
        raise FileNotFoundError(path)
    with duckdb.connect(str(path), read_only=True) as con:
        columns = {r[0] for r in con.execute(f"describe {SCORES}").fetchall()}
        version = "model_version" if "model_version" in columns else "model_kind"
        points = "bank_points" if "bank_points" in columns else "points"
        wanted = [
            "firm_id",
            "period_month",
            *[f"score_{d}" for d in DIMENSIONS],
            "overall_score",
            "grade",
            "grade_code",
            "pd",
            "red_flags",
            "reasons",
            "reason_codes",
            "strengths",
            "next_grade_code",
            "score_to_next_grade",
            "lift_codes",
            "lift_actions",
            "lift_targets",
        ]
        select = ", ".join(c if c in columns else f"null as {c}" for c in wanted)
        extra = f"{points} as bank_points, cast({version} as varchar) as model_version"
        # The latest row of every firm in full; the history narrow (scores and grades only).
        latest = con.sql(
            f"select {select}, {extra} from {SCORES} qualify row_number() over "
            "(partition by firm_id order by period_month desc) = 1 order by firm_id"
        ).pl()
        dims = ", ".join(f"score_{d}" for d in DIMENSIONS)
        history = con.sql(
            f"select firm_id, strftime(period_month, '%Y-%m') as period_month, overall_score, "
            f"grade, grade_code, {points} as bank_points, pd, {dims}, "
            f"cast({version} as varchar) as model_version from {SCORES} "
            "order by firm_id, period_month"
        ).pl()
    latest = latest.with_columns(pl.col("period_month").dt.strftime("%Y-%m"))
    as_of = history["period_month"].max() if history.height else None
    in_force = Counter(
        history.filter(pl.col("period_month") == as_of)["model_version"].drop_nulls().to_list()
    )
    firms: dict[str, FirmEntry] = {}
    for row in latest.iter_rows(named=True):
        note = None
        if row["grade_code"] == "insufficient":
            note = next(iter(row["reasons"] or []), None)
        firms[row["firm_id"]] = FirmEntry(row["grade_code"], orjson.dumps(firm_object(row)), note)
    counts = history.group_by("firm_id", maintain_order=True).len()
    offsets: dict[str, tuple[int, int]] = {}
    start = 0
    for firm_id, n in counts.iter_rows():
        offsets[firm_id] = (start, n)
        start += n
    history = history.drop("firm_id")  # the offsets say whose rows they are
    digest = hashlib.sha1(repr(signature).encode()).hexdigest()[:8]
    stamp = dt.datetime.fromtimestamp(signature[2] / 1e9, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Snapshot(
        snapshot_id=f"{stamp}-{digest}",
        as_of_month=as_of,
        model_version=in_force.most_common(1)[0][0] if in_force else None,
        model_version_column=version,
        published_at=_published_at(path, signature[1]),
        firms=firms,
        history=history,
        offsets=offsets,
    )


def _child_setup() -> None:
    """Run the loading child at low priority (the requests being answered come first) and, on
    Linux, end it when the service dies (a stopped service leaves none behind)."""
    os.nice(10)
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_by_column(file: str) -> pl.DataFrame:
    """Read an Arrow file one column at a time: each read holds the interpreter briefly, so
    requests are answered in between (one read of the whole history held it for ~70 ms)."""
    columns = pl.read_ipc_schema(file)
    parts = []
    for name in columns:
        parts.append(pl.read_ipc(file, columns=[name]))
        time.sleep(0)  # let the event loop take the interpreter
    return pl.concat(parts, how="horizontal")


def _load_in_child(path: Path) -> tuple[Snapshot, str, str]:
    """Load in a child process; the firms' answers, their history offsets and the history go
    back as Arrow files, the rest pickled (no frame, no large dict).

    Unpickling 20,000 answers would be one call of a quarter of a second (history included)
    with the interpreter locked and every request waiting; reading Arrow files is not."""
    snapshot = load_snapshot(path)
    ids = list(snapshot.firms)
    starts = [snapshot.offsets.get(f, (0, 0)) for f in ids]
    firms = pl.DataFrame(
        {
            "firm_id": ids,
            "grade_code": [e.grade_code for e in snapshot.firms.values()],
            "body": [e.body for e in snapshot.firms.values()],
            "note": [e.insufficient_note for e in snapshot.firms.values()],
            "start": [s for s, _ in starts],
            "rows": [n for _, n in starts],
        },
        schema={
            "firm_id": pl.String,
            "grade_code": pl.String,
            "body": pl.Binary,
            "note": pl.String,
            "start": pl.Int64,
            "rows": pl.Int64,
        },
    )
    files = []
    for name, frame in (("firms", firms), ("history", snapshot.history)):
        fd, file = tempfile.mkstemp(prefix=f"bank_api_{name}_", suffix=".arrow")
        os.close(fd)
        frame.write_ipc(file)
        files.append(file)
    return replace(snapshot, firms={}, history=None, offsets={}), files[0], files[1]


class SnapshotHolder:
    """Holds the current Snapshot and, once started, watches the published file for a new one.

    ``current`` is replaced by reference only: a reader that took it keeps a consistent object.
    A file that fails to load leaves the previous snapshot in service (and is retried when the
    file changes again).
    """

    def __init__(self, path: Path, poll_seconds: float = 1.0, load_in_child: bool = True) -> None:
        self.path = Path(path)
        self.load_in_child = load_in_child
        self.poll_seconds = poll_seconds
        self.current: Snapshot | None = None
        self._signature: tuple | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loads = 0

    def refresh(self) -> bool:
        """Load the file when it changed since the last load; return True when swapped."""
        signature = file_signature(self.path)
        if signature is None or signature == self._signature:
            return False
        try:
            snapshot = self._load(first=self.current is None)
        except Exception:  # a broken file must not take the service down
            log.exception(
                "could not load the published snapshot %s; keeping the last one", self.path
            )
            self._signature = signature
            return False
        self._signature = signature
        self.current = snapshot
        self.loads += 1
        log.info(
            "serving snapshot %s (as of %s, model %s, %d firms)",
            snapshot.snapshot_id,
            snapshot.as_of_month,
            snapshot.model_version,
            len(snapshot.firms),
        )
        return True

    def _load(self, first: bool) -> Snapshot:
        """The first load runs here (nothing is served yet); later ones run in a child process,
        so building the new index does not take the interpreter away from the requests being
        answered meanwhile (only unpickling the result runs here)."""
        if first or not self.load_in_child:
            return load_snapshot(self.path)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context, initializer=_child_setup) as pool:
            snapshot, firms_file, history_file = pool.submit(_load_in_child, self.path).result()
        try:
            firms = pl.read_ipc(firms_file)
            history = _read_by_column(history_file)
        finally:
            os.unlink(firms_file)
            os.unlink(history_file)
        entries = zip(
            firms["grade_code"].to_list(),
            firms["body"].to_list(),
            firms["note"].to_list(),
            strict=True,
        )
        ids = firms["firm_id"].to_list()
        index = dict(zip(ids, map(FirmEntry._make, entries), strict=True))
        spans = zip(firms["start"].to_list(), firms["rows"].to_list(), strict=True)
        offsets = dict(zip(ids, spans, strict=True))
        return replace(snapshot, firms=index, history=history, offsets=offsets)

    def start(self) -> None:
        self.refresh()
        if self.poll_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="snapshot-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread = None
        self._stop = threading.Event()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.refresh()
