"""What a run writes: the landing files, the faults injected into them, and what it records.

Departments hand their frames to :class:`Output`, which injects row faults, writes the file
under ``landing/``, and records each fault, dropped row, late file and event for ``truth/``.

Fault streams are keyed by feed name: each department module declares its feeds in ``FEEDS``,
a mapping from feed name to a fixed stream number, and the faults of one file are drawn from
``[seed, 2, stream, key]``. A feed keeps its number for good (renumbering one would change
every fault it carries), so adding, removing or reordering feeds leaves every other feed's
faults as they were; a new feed takes the next free number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from simulator import months as M
from simulator.faults import inject_row_faults
from simulator.formats import csv_bytes, csv_quoted_amounts
from simulator.xlsx import write_xlsx

XLSX_MAX_ROWS = 500_000
FAULT_KINDS = (
    "bad_check_char",
    "duplicate_row",
    "unparseable_number",
    "missing_row",
    "late_file",
    "report_mismatch",
)
EVENT_KINDS = ("dormancy", "enforcement", "dishonest", "revocation", "closure")
MISMATCH_SCHEMA = {
    "uscc": pl.String,
    "report_year": pl.Int64,
    "item": pl.String,
    "declared_value": pl.Float64,
    "true_value": pl.Float64,
}


@dataclass
class Summary:
    out_dir: str
    firms: int
    months: int
    start: str
    end: str
    seed: int
    fault_rate: float
    files: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    onsets: dict[str, int] = field(default_factory=lambda: {"health_driven": 0, "no_warning": 0})
    events: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_KINDS, 0))

    def as_dict(self) -> dict:
        d = asdict(self)
        d["files_written"] = len(self.files)
        return d


def plan_late_files(
    seed: int, fault_rate: float, factor: float, win_start: int, end: int
) -> dict[tuple[str, int], int]:
    """Pick the late files up front: ~``factor`` x fault rate of the monthly tax and stats
    files (at least one when faults are on), each delivered 1-3 months late.

    Returns ``{(feed, period month): delivery month}``.
    """
    if fault_rate <= 0:
        return {}
    rng = np.random.default_rng([seed, 3])
    eligible = [
        (feed, ym)
        for feed in ("tax_declaration", "stats_industry_monthly")
        for ym in range(win_start, end)
        if not (feed == "stats_industry_monthly" and M.month_of(ym) == 1)
    ]
    if not eligible:
        return {}
    k = max(1, round(min(1.0, fault_rate * factor) * len(eligible)))
    chosen = sorted(rng.choice(len(eligible), size=min(k, len(eligible)), replace=False))
    plan = {}
    for i in chosen:
        feed, ym = eligible[i]
        plan[(feed, ym)] = ym + int(rng.integers(1, min(3, end - ym) + 1))
    return plan


def file_key(rel: str) -> int:
    """The digits of a file's name as one number (``penalty_202401.csv`` -> 202401)."""
    digits = "".join(ch for ch in rel.rsplit("/", 1)[-1] if ch.isdigit())
    return int(digits or 0)


class Output:
    """Writes landing files with their faults and keeps the records ``truth/`` is made of."""

    def __init__(
        self,
        landing: Path,
        summary: Summary,
        streams: Mapping[str, int],
        uscc: Callable[[np.ndarray], pl.Series],
        late_plan: dict[tuple[str, int], int],
    ) -> None:
        self.landing = landing
        self.summary = summary
        self.seed = summary.seed
        self.f = summary.fault_rate
        self.streams = dict(streams)
        self.uscc = uscc
        self.late_plan = late_plan
        self.fault_log: list[tuple[str, str, int, str]] = []
        self.dropped: list[pl.DataFrame] = []
        self.late: list[tuple[str, str, str, str]] = []
        self.mismatches: list[pl.DataFrame] = []
        self.events: list[pl.DataFrame] = []

    # ------------------------------------------------------------------ faults
    def fault_rng(self, feed: str, key: int) -> np.random.Generator:
        """The fault stream of one file of ``feed`` (``key``: its period or year)."""
        return np.random.default_rng([self.seed, 2, self.streams[feed], key])

    def inject(self, df: pl.DataFrame, rng: np.random.Generator, uscc_col: str, *args, **kw):
        """``inject_row_faults`` at this run's fault rate."""
        return inject_row_faults(df, rng, self.f, uscc_col, *args, **kw)

    def log_faults(self, feed: str, rel: str, df: pl.DataFrame, first_line: int) -> None:
        faults = df["_fault"].to_list()
        for i, fault in enumerate(faults):
            if fault is not None:
                self.fault_log.append((feed, rel, i + first_line, fault))
                self.summary.faults[fault] += 1
        self.summary.rows[feed] += df.height

    def drop_missing(self, feed: str, ym: int, idx: np.ndarray, rng) -> np.ndarray:
        """Drop ~fault rate of the firms ``idx`` from a file, recording which."""
        if self.f <= 0 or not len(idx):
            return idx
        drop = rng.random(len(idx)) < self.f
        if drop.any():
            self.dropped.append(
                pl.DataFrame(
                    {
                        "feed": feed,
                        "period": M.yyyymm(ym),
                        "uscc": self.uscc(idx[drop]),
                    }
                )
            )
            self.summary.faults["missing_row"] += int(drop.sum())
        return idx[~drop]

    def delivery(self, feed: str, ym: int) -> int:
        """Delivery month: the period itself, or 1-3 months later for a late file."""
        return self.late_plan.get((feed, ym), ym)

    def note_late(self, feed: str, rel: str, ym: int, delivery: int) -> None:
        self.late.append((feed, rel, M.yyyymm(ym), M.yyyymm(delivery)))
        self.summary.faults["late_file"] += 1

    # ------------------------------------------------------------------ files
    def write(self, rel: str, data: bytes) -> None:
        path = self.landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.summary.files.append("landing/" + rel)

    def write_xlsx(
        self,
        feed: str,
        base: str,
        sheet: str,
        df: pl.DataFrame,
        amounts: set[str],
        integers: set[str],
    ) -> None:
        """Write ``df`` (faults already injected) as ``base.xlsx``, split in parts if large."""
        cols = [c for c in df.columns if not c.startswith("_")]
        parts = max(1, -(-df.height // XLSX_MAX_ROWS))
        for part in range(parts):
            chunk = df.slice(part * XLSX_MAX_ROWS, XLSX_MAX_ROWS)
            rel = f"{base}_part{part + 1}.xlsx" if parts > 1 else f"{base}.xlsx"
            path = self.landing / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            kinds = ["a" if c in amounts else "i" if c in integers else "t" for c in cols]
            write_xlsx(path, sheet, chunk, cols, kinds)
            self.summary.files.append("landing/" + rel)
            self.log_faults(feed, rel, chunk, 2)

    def emit_csv(self, feed, rel, df, uscc_col, amounts=(), encoding="utf-8", bom=False,
                 quoted: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Inject faults (stream keyed by the file name's digits) and write a CSV."""
        df = self.inject(df, self.fault_rng(feed, file_key(rel)), uscc_col, amounts)
        self.log_faults(feed, rel, df, 2)
        body = df.drop("_fault", "_ocol", "_oval")
        if quoted:
            data = csv_quoted_amounts(body, list(quoted)).encode(encoding)
            data = (b"\xef\xbb\xbf" + data) if bom else data
        elif encoding == "utf-8":
            data = csv_bytes(body, bom=bom)
        else:
            data = body.write_csv(quote_style="necessary", null_value="").encode(encoding)
        self.write(rel, data)

    def emit_json(self, feed, rel, df, uscc_col, amounts=()) -> None:
        """Inject faults (stream keyed by the file name's digits) and write a JSON array."""
        df = self.inject(df, self.fault_rng(feed, file_key(rel)), uscc_col, amounts)
        self.log_faults(feed, rel, df, 1)
        keys = [c for c in df.columns if not c.startswith("_")]
        text = df.select(keys).write_json() if df.height else "[]"
        self.write(rel, (text + "\n").encode("utf-8"))

    def emit_xlsx(self, feed, base, sheet, df, uscc_col, amounts, integers) -> None:
        """Inject faults (stream keyed by the file name's digits) and write an XLSX."""
        df = self.inject(df, self.fault_rng(feed, file_key(base)), uscc_col, tuple(amounts),
                         amounts_as_text=False)  # fmt: skip
        self.write_xlsx(feed, base, sheet, df, set(amounts), set(integers))

    # ------------------------------------------------------------------ truth records
    def event(self, idx: np.ndarray, kinds, days: np.ndarray) -> None:
        """Record distress events of firms ``idx`` (one kind, or one per firm) on ``days``."""
        kinds = np.broadcast_to(np.asarray(kinds, dtype=object), idx.shape)
        frame = pl.DataFrame(
            {
                "uscc": self.uscc(idx),
                "event_type": pl.Series(kinds.tolist(), dtype=pl.String),
                "event_date": pl.Series(days.astype("datetime64[D]")),
            }
        )
        self.events.append(frame)
        for kind, cnt in zip(*np.unique(kinds.astype(str), return_counts=True), strict=True):
            self.summary.events[str(kind)] += int(cnt)

    def write_records(self, t: Path) -> None:
        """Write the event, fault, mismatch, missing-row and late-file records under ``t``."""
        events = (
            pl.concat(self.events)
            if self.events
            else pl.DataFrame(
                schema={"uscc": pl.String, "event_type": pl.String, "event_date": pl.Date}
            )
        )
        events.sort("event_date", "uscc", "event_type").write_csv(t / "distress_events.csv")
        pl.DataFrame(
            self.fault_log,
            schema={"feed": pl.String, "file": pl.String, "line": pl.Int64, "fault": pl.String},
            orient="row",
        ).sort("file", "line").write_csv(t / "injected_faults.csv")
        mism = (
            pl.concat(self.mismatches) if self.mismatches else pl.DataFrame(schema=MISMATCH_SCHEMA)
        )
        mism.write_csv(t / "report_mismatches.csv")
        dropped = (
            pl.concat(self.dropped)
            if self.dropped
            else pl.DataFrame(schema={"feed": pl.String, "period": pl.String, "uscc": pl.String})
        )
        dropped.write_csv(t / "missing_rows.csv")
        pl.DataFrame(
            self.late,
            schema={
                "feed": pl.String,
                "file": pl.String,
                "period": pl.String,
                "delivery_period": pl.String,
            },
            orient="row",
        ).write_csv(t / "late_files.csv")

    def write_summary(self, t: Path) -> None:
        summary = self.summary.as_dict()
        summary.pop("out_dir")
        (t / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        self.summary.files.append("truth/summary.json")
