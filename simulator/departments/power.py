"""Power (电力): monthly electricity use per meter account.

Use follows sales with its own noise; a dormant firm only keeps the lights on. Firms have 1-3
meter accounts; micro service firms in shared offices have none of their own.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.output import Output
from simulator.world import Month, World, Yearly

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"power_usage": 11}

POWER_COLS = ("户号", "户名", "统一社会信用代码", "电费年月", "用电类别", "用电量(千瓦时)")
TCE_PER_KWH = 0.1229e-3  # tonnes of coal equivalent per kWh (equivalent value)


class Power:
    """Meter accounts and the month's kWh per firm."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        F, n = world.F, world.n
        size = F.size
        industrial = F.industrial
        has_power = ~((size == 3) & ~industrial & (rng.random(n) < 0.15))
        k = np.where(
            industrial,
            1 + (rng.random(n) < 0.5) + (rng.random(n) < 0.3 * (size <= 2)),
            1 + (rng.random(n) < 0.15),
        )
        k = np.where(has_power, k, 0)
        self.acc_firm = np.repeat(np.arange(n), k)
        first = np.concatenate([[0], np.cumsum(k)[:-1]])
        pos = np.arange(len(self.acc_firm)) - np.repeat(first, k)
        raw_share = rng.lognormal(0, 0.6, len(self.acc_firm)) * np.where(pos == 0, 2.0, 1.0)
        self.acc_share = raw_share / np.bincount(self.acc_firm, raw_share, n)[self.acc_firm]
        off = int(rng.integers(0, 10**8))
        self.acc_no = pl.select(
            pl.lit("33")
            + pl.Series((np.arange(len(self.acc_firm)) * 48271 + off) % 10**8, dtype=pl.Int64)
            .cast(pl.String)
            .str.zfill(8)
        ).to_series()
        big = industrial[self.acc_firm] & (size[self.acc_firm] <= 2) & (pos == 0)
        self.acc_class = pl.Series(np.where(big, "大工业", "一般工商业").tolist(), dtype=pl.String)
        self.acc_firm_order = np.lexsort((pos, world.rank[self.acc_firm]))
        self.kwh_int = np.where(
            industrial, rng.lognormal(np.log(0.08), 0.6, n), rng.lognormal(np.log(0.015), 0.6, n)
        )
        self.fuel = np.where(industrial, rng.lognormal(np.log(2.0), 0.5, n), 1.05)
        self.kwh = np.zeros(n)
        self.yr = Yearly(n, "kwh")

    def step(self, m: Month, noise: np.ndarray, live: np.ndarray) -> None:
        F, rng, n = self.world.F, self.rng, self.world.n
        rev, dormant = m.rev, m.dormant
        standby = F.revenue / 12.0 * self.kwh_int * 0.02 * rng.random(n)
        kwh = np.where(
            dormant, standby, rev * self.kwh_int * np.exp(0.12 * noise)
        ) * live  # fmt: skip
        self.kwh = kwh
        self.yr["kwh"] += kwh

    def tce(self, kwh: np.ndarray) -> np.ndarray:
        """Tonnes of coal equivalent of ``kwh`` (own fuel use scales it per firm)."""
        return kwh * TCE_PER_KWH * self.fuel

    def close_year(self, year: int) -> None:
        self.yr.close(year)

    # ------------------------------------------------------------------ files
    def write(self, ym: int, shell: np.ndarray) -> None:
        """The month's use per account (``shell``: shell firms, which have no meter)."""
        world = self.world
        order = self.acc_firm_order
        firm = self.acc_firm[order]
        kwh = self.kwh[firm] * self.acc_share[order]
        rows = world.F.founded_m[firm] <= ym
        rows &= (world.term_m[firm] > ym) & ~shell[firm]
        sel = order[rows]
        firm = self.acc_firm[sel]
        df = pl.DataFrame(
            {
                "户号": self.acc_no.gather(sel),
                "户名": world.name(firm),
                "统一社会信用代码": world.uscc(firm),
                "电费年月": M.yyyymm(ym),
                "用电类别": self.acc_class.gather(sel),
                "用电量(千瓦时)": np.round(kwh[rows]).astype(np.int64).astype(str),
            }
        )
        rel = f"power/{M.yyyymm(ym)}/usage_{M.yyyymm(ym)}.csv"
        self.out.emit_csv("power_usage", rel, df, "统一社会信用代码", ("用电量(千瓦时)",))
