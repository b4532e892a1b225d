"""The engine: runs the world and the departments month by month and writes the truth.

The loop runs over months only (everything inside is vectorised over firms) and writes each
month's files as it goes, so memory stays flat in the number of months.

Random streams, all derived from the run's seed: ``[seed, 0]`` the firm population,
``[seed, 1]`` the world (health, activity, onsets) together with the registry's capital
changes, the tax arrears and declarations and the annual report, ``[seed, 2, stream, key]``
the row faults of one file (``stream`` is the feed's fixed number, see
``simulator/output.py``), ``[seed, 3]`` the late files, ``[seed, 4]`` the dormant stock at the
start, ``[seed, 5]`` the departments' proxies and events, ``[seed, 6, year]`` the tax credit
grade, ``[seed, 7, stream]`` the draws of a self-contained department (``stream``: its first
feed's number). The world's and the hand-wired departments' streams are shared, so the order of
the calls below is part of the output: a call moved up or down changes every later draw.

A new department needs no edit here: a module in ``simulator/departments/`` that declares
``FEEDS`` and ``DEPARTMENT`` (a class built as ``DEPARTMENT(world, out, rng)`` with
``step(month)`` and ``write(ym)``) is found, advanced after the hand-wired departments each month
and written after them, on a stream of its own, so every other feed stays as it was.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

import simulator.departments
from simulator import months as M
from simulator.departments import (
    amr,
    annual_report,
    court,
    credit,
    customs,
    env,
    hrss,
    ip,
    power,
    sci,
    stats,
    subsidy,
    tax,
)
from simulator.departments.common import abandon_fixes
from simulator.output import Output, Summary, plan_late_files
from simulator.world import Month, Params, World, window


def department_modules() -> tuple:
    """Every module of ``simulator/departments/`` that declares ``FEEDS``, by name."""
    names = sorted(m.name for m in pkgutil.iter_modules(simulator.departments.__path__))
    modules = (importlib.import_module(f"simulator.departments.{name}") for name in names)
    return tuple(m for m in modules if hasattr(m, "FEEDS"))


MODULES = department_modules()


def fault_streams(modules=MODULES) -> dict[str, int]:
    """Feed name -> fault stream number, from the department modules' ``FEEDS``.

    Raises ``ValueError`` if two feeds share a name or a number.
    """
    streams: dict[str, int] = {}
    for module in modules:
        for feed, number in module.FEEDS.items():
            if feed in streams or number in streams.values():
                raise ValueError(f"feed {feed!r} or fault stream {number} declared twice")
            streams[feed] = number
    return dict(sorted(streams.items(), key=lambda kv: kv[1]))


FAULT_STREAMS = fault_streams()
FEEDS = tuple(FAULT_STREAMS)  # every feed the simulator writes, in stream order
TRUTH_FILES = (
    "firms.parquet",
    "latent_health.parquet",
    "distress_events.csv",
    "injected_faults.csv",
    "report_mismatches.csv",
    "missing_rows.csv",
    "late_files.csv",
    "dormant_firms.csv",
    "shell_firms.csv",
)


class Simulation:
    def __init__(
        self,
        out_dir: Path,
        firms: int,
        months: int,
        end: str,
        seed: int,
        fault_rate: float,
        params: Params | None = None,
    ) -> None:
        if firms < 1 or months < 1:
            raise ValueError("firms and months must be positive")
        if not 0 <= fault_rate < 0.3:
            raise ValueError("fault_rate must be in [0, 0.3)")
        self.p = params or Params()
        self.out_dir = Path(out_dir)
        self.landing = self.out_dir / "landing"
        self.truth = self.out_dir / "truth"
        self.seed = int(seed)
        self.f = float(fault_rate)
        self.n = firms
        self.months = months
        self.end_label = end
        _, self.win_start, self.end = window(months, end)
        self.summary = Summary(
            out_dir=str(self.out_dir),
            firms=firms,
            months=months,
            start=M.label(self.win_start),
            end=M.label(self.end),
            seed=self.seed,
            fault_rate=self.f,
            rows=dict.fromkeys(FEEDS, 0),
        )

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        w = self.world = World(self.n, self.months, self.end_label, self.seed, self.p)
        late = plan_late_files(self.seed, self.f, self.p.late_file_factor, w.win_start, w.end)
        out = self.out = Output(self.landing, self.summary, FAULT_STREAMS, w.uscc, late)
        # the departments' stream: each constructor draws its firms' attributes, in this order
        rng = self.rng = np.random.default_rng([self.seed, 5])
        self.amr = amr.Amr(w, out, rng)
        self.hrss = hrss.Hrss(w, out, rng)
        self.power = power.Power(w, out, rng)
        self.customs = customs.Customs(w, out, rng)
        self.credit = credit.Credit(w, out, rng)
        self.report = annual_report.AnnualReport(
            w, out, rng, amr=self.amr, hrss=self.hrss, power=self.power, customs=self.customs,
            credit=self.credit,
        )  # fmt: skip
        self.stats = stats.Stats(w, out, rng)
        self.tax = tax.Tax(w, out)
        self.court = court.Court(w, out)
        self.env = env.Env(w, out, rng)
        self.subsidy = subsidy.Subsidy(w, out, rng)
        self.ip = ip.Ip(w, out, rng, self.amr.shell)
        self.sci = sci.Sci(w, out, rng, self.amr.shell)
        # self-contained departments: each on a stream of its own, so none moves another's draws
        self.own_stream = [
            m.DEPARTMENT(w, out, np.random.default_rng([self.seed, 7, min(m.FEEDS.values())]))
            for m in MODULES
            if hasattr(m, "DEPARTMENT")
        ]
        w.initial_dormancy(self.amr.shell)
        self.truth.mkdir(parents=True, exist_ok=True)
        self.h_writer = pq.ParquetWriter(
            self.truth / "latent_health.parquet",
            pa.schema([("uscc", pa.string()), ("month", pa.date32()), ("h", pa.float32())]),
        )

    # ------------------------------------------------------------------ main loop
    def run(self, progress: bool = True) -> dict:
        for sub in (self.landing, self.truth):
            if sub.exists():
                shutil.rmtree(sub)
        self._setup()
        months = range(self.world.sim_start, self.end + 1)
        try:
            for ym in tqdm(months, desc="simulating", unit="month", disable=not progress):
                self._step(ym)
        finally:
            self.h_writer.close()
        self._write_truth()
        return self.summary.as_dict()

    def _step(self, ym: int) -> None:
        w = self.world
        in_win = ym >= self.win_start

        # the world moves on; tax arrears and distress onsets follow it
        m = w.advance(ym, self.amr.shell_now(ym))
        self.tax.accrue_arrears(ym, m)
        onsets = w.onsets(ym, m.alive)
        if in_win:
            self.summary.onsets["health_driven"] += onsets.health_driven
            self.summary.onsets["no_warning"] += onsets.no_warning
        if len(onsets.sued):
            self.court.schedule(ym, onsets.sued, onsets.sued_warned)

        # what the departments see this month, then the month's files
        self._observe(ym, m)
        if in_win:
            self._write_files(ym, m)
            self._truth_health(ym, m.exists & (w.term_m >= ym))
        self.court.write(ym, in_win)
        if in_win:
            term_now = np.flatnonzero(w.term_m == ym)
            if len(term_now):
                kinds = np.where(w.term_type[term_now] == 1, "revocation", "closure")
                self.out.event(term_now, kinds, M.days(ym, w.term_day[term_now]))

        if M.month_of(ym) == 12:
            w.close_year(M.year_of(ym))
        year = self.report.due(ym)
        if year is not None:
            self.report.write(year)

    def _observe(self, ym: int, m: Month) -> None:
        """Advance every department's proxies and events by one month (one shared stream)."""
        w, rng = self.world, self.rng
        shell = self.amr.shell_now(ym)
        live = m.alive & ~shell
        working = m.active & ~shell
        noise = rng.standard_normal((6, w.n))
        distress_m = np.minimum(w.dormant_m, w.wind_m)
        newly = (distress_m == ym) | (w.term_m == ym)

        self.hrss.step(ym, m, noise[0], newly, live, working)
        self.power.step(m, noise[1], live)
        self.customs.step(m, noise[2], noise[3], working)
        self.credit.step(ym, m, noise[4], newly, live, working)
        self.stats.accumulate(ym, m, self.power.tce(self.power.kwh))
        self.tax.observe(m)
        for dept in self.own_stream:
            dept.step(m)

        self.amr.penalty_events(ym, m.h, live, m.dormant)
        self.env.events(ym, m.h, working)
        self.hrss.dispute_events(ym, m.h, m.emp, live, distress_m)
        self.ip.events(ym, m.h, working)
        held = self.sci.events(ym, m.h, working, self.ip.valid_counts(ym))
        self.subsidy.events(ym, m.h, working, held, self.customs.trader)
        self.amr.abnormal_events(ym, m.alive, live, newly)
        # distress: rights lapse unpaid, certificates are withdrawn, pending fixes never come
        gone = np.flatnonzero(newly)
        if len(gone):
            self.ip.lapse(ym, gone)
            self.sci.withdraw(ym, gone)
            abandon_fixes(self.env.env, gone, ym, rng)
            abandon_fixes(self.hrss.disputes, gone, ym, rng)

        if M.month_of(ym) == 12:
            year = M.year_of(ym)
            for dept in (self.hrss, self.power, self.customs, self.credit):
                dept.close_year(year)
            self.tax.close_year(year, m.alive)

    def _write_files(self, ym: int, m: Month) -> None:
        """The month's landing files (the registry's and the tax bureau's draw from the world)."""
        first = ym == self.win_start
        self.amr.write_registry(ym, m.exists, m.alive)
        self.tax.write_declaration(ym, m)
        self.stats.write(ym, m.active, m.emp)
        self.amr.write_penalty(ym, first)
        self.amr.write_abnormal(ym, first)
        if self.tax.grade_due(ym):
            self.tax.write_grade(ym)
        self.hrss.write_insured(ym)
        self.hrss.write_disputes(ym, first)
        self.power.write(ym, self.amr.shell_now(ym))
        self.customs.write(ym)
        self.credit.write(ym)
        self.ip.write(ym, first)
        self.sci.write(ym, first)
        self.subsidy.write(ym)
        self.env.write(ym, first)
        for dept in self.own_stream:
            dept.write(ym)

    # ------------------------------------------------------------------ truth
    def _truth_health(self, ym: int, mask: np.ndarray) -> None:
        w = self.world
        idx = np.flatnonzero(mask)
        first = np.datetime64(M.first_day(ym), "D")
        table = pa.table(
            {
                "uscc": w.uscc_pa.take(pa.array(idx)),
                "month": pa.array(np.full(len(idx), first), type=pa.date32()),
                "h": pa.array(w.h[idx].astype(np.float32)),
            }
        )
        self.h_writer.write_table(table)

    def _write_truth(self) -> None:
        t, w, F = self.truth, self.world, self.world.F
        F.frame().write_parquet(t / "firms.parquet")
        # dormancy is the onset of the failure that ends in revocation years later: a back-test
        # labels it (also when it began before the window), not the revocation alone
        dormant = np.flatnonzero(w.dormant_m <= self.end)
        dormant = dormant[np.argsort(w.rank[dormant], kind="stable")]
        dormant_from = M.days_many(w.dormant_m[dormant], np.ones(len(dormant), np.int64))
        pl.DataFrame({"uscc": w.uscc(dormant), "dormant_from": pl.Series(dormant_from)}).write_csv(
            t / "dormant_firms.csv"
        )
        self.out.event(dormant, "dormancy", dormant_from)
        shell_m = self.amr.shell_m
        shells = np.flatnonzero(shell_m <= self.end)
        shells = shells[np.argsort(w.rank[shells], kind="stable")]
        shell_from = np.where(
            shell_m[shells] == F.founded_m[shells],
            F.founded[shells],
            M.days_many(shell_m[shells], np.ones(len(shells), np.int64)),
        ).astype("datetime64[D]")
        pl.DataFrame({"uscc": w.uscc(shells), "shell_from": pl.Series(shell_from)}).write_csv(
            t / "shell_firms.csv"
        )
        self.out.write_records(t)
        self.summary.files.extend("truth/" + name for name in TRUTH_FILES)
        self.out.write_summary(t)
