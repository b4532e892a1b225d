"""Stats (统计局): the monthly year-to-date report of firms above scale (规模以上).

Values are cumulative from January; there is no January report (February covers 1-2月).
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.formats import csv_bytes, fixed
from simulator.output import Output
from simulator.world import Month, World

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"stats_industry_monthly": 3}

STATS_COLS = (
    "统一社会信用代码", "单位详细名称", "报告期", "营业收入本年累计(千元)",
    "工业总产值本年累计(千元)", "利润总额本年累计(千元)", "研发费用本年累计(千元)",
    "期末从业人数", "新产品产值本年累计(千元)", "综合能源消费量本年累计(吨标准煤)",
)  # fmt: skip
STATS_AMOUNTS = (*STATS_COLS[3:7], *STATS_COLS[8:])


class Stats:
    """Year-to-date sums of the firms above scale."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out = world, out
        F, n = world.F, world.n
        industrial = F.industrial
        self.newprod_share = np.where(industrial & (F.rd > 0), rng.uniform(0.05, 0.5, n), 0.0)
        self.ytd = {k: np.zeros(n) for k in ("rev", "out", "profit", "rd", "newprod", "tce")}

    def accumulate(self, ym: int, m: Month, tce: np.ndarray) -> None:
        """Add the month (``tce``: energy use in tonnes of coal equivalent)."""
        F, h, rev = self.world.F, m.h, m.rev
        if M.month_of(ym) == 1:
            for v in self.ytd.values():
                v[:] = 0.0
        self.ytd["rev"] += rev * F.stats_factor
        self.ytd["out"] += np.where(F.industrial, rev * F.output_ratio, 0.0)
        self.ytd["profit"] += np.where(m.alive, m.profit, 0.0)
        self.ytd["rd"] += m.rd
        self.ytd["newprod"] += np.where(
            F.industrial, rev * F.output_ratio * self.newprod_share * np.exp(0.2 * h), 0.0
        )
        self.ytd["tce"] += tce

    # ------------------------------------------------------------------ files
    def write(self, ym: int, active: np.ndarray, emp: np.ndarray) -> None:
        world = self.world
        if M.month_of(ym) == 1:  # no January report: February covers 1-2月
            return
        F = world.F
        frng = self.out.fault_rng("stats_industry_monthly", ym)
        idx = np.flatnonzero(active & F.above_scale)
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        idx = self.out.drop_missing("stats_industry_monthly", ym, idx, frng)
        year, month = M.year_of(ym), M.month_of(ym)
        label = f"{year}年1-2月" if month == 2 else f"{year}年{month}月"
        df = pl.DataFrame(
            {
                "统一社会信用代码": self.world.uscc(idx),
                "单位详细名称": self.world.name(idx),
                "报告期": label,
                "营业收入本年累计(千元)": self.ytd["rev"][idx] / 1000.0,
                "工业总产值本年累计(千元)": np.where(
                    F.industrial[idx], self.ytd["out"][idx] / 1000.0, np.nan
                ),
                "利润总额本年累计(千元)": self.ytd["profit"][idx] / 1000.0,
                "研发费用本年累计(千元)": self.ytd["rd"][idx] / 1000.0,
                "期末从业人数": emp[idx].astype(np.int64),
                "新产品产值本年累计(千元)": np.where(
                    F.industrial[idx], self.ytd["newprod"][idx] / 1000.0, np.nan
                ),
                "综合能源消费量本年累计(吨标准煤)": self.ytd["tce"][idx],
            },
            nan_to_null=True,
        )
        df = df.with_columns(fixed(pl.col(c), 1).alias(c) for c in STATS_COLS[3:7])
        df = df.with_columns(fixed(pl.col(c), 2).alias(c) for c in STATS_COLS[8:])
        df = self.out.inject(df, frng, "统一社会信用代码", STATS_AMOUNTS)
        delivery = self.out.delivery("stats_industry_monthly", ym)
        period = M.yyyymm(ym)
        rel = f"stats/{M.yyyymm(delivery)}/industry_monthly_{period}.csv"
        if delivery != ym:
            self.out.note_late("stats_industry_monthly", rel, ym, delivery)
        self.out.log_faults("stats_industry_monthly", rel, df, 2)
        self.out.write(rel, csv_bytes(df.drop("_fault", "_ocol", "_oval")))
