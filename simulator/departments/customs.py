"""Customs (海关): monthly exports and imports of trading firms.

Only trading firms appear (most industrial firms above scale, fewer small ones and traders);
small ones ship irregularly.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.output import Output
from simulator.world import Month, World, Yearly

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"customs_trade": 12}

CUSTOMS_COLS = (
    "海关编码",
    "统一社会信用代码",
    "企业名称",
    "统计年月",
    "出口额(万元)",
    "进口额(万元)",
)


class Customs:
    """Which firms trade, and the month's exports and imports."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        F, n = world.F, world.n
        size = F.size
        industrial = F.industrial
        p_trader = np.where(
            industrial & F.above_scale, 0.45, np.where(industrial, 0.2, np.where(
                F.section == "G", 0.15, 0.02))
        )  # fmt: skip
        self.trader = rng.random(n) < p_trader
        self.export_share = np.clip(rng.lognormal(np.log(0.25), 0.6, n), 0.01, 0.95) * self.trader
        importer = self.trader & (rng.random(n) < 0.5)
        self.import_share = np.clip(rng.lognormal(np.log(0.12), 0.7, n), 0.0, 0.8) * importer
        self.p_trade = np.array([0.98, 0.9, 0.7, 0.45])[size]
        serial = (np.arange(n) * 7919 + int(rng.integers(0, 10**4))) % 10**4
        self.customs_code = pl.Series(
            [f"{c[:4]}96{s:04d}" for c, s in zip(F.county, serial, strict=True)], dtype=pl.String
        )
        self.export = np.zeros(n)
        self.imp = np.zeros(n)
        self.yr = Yearly(n, "export", "import")

    def step(self, m: Month, noise2: np.ndarray, noise3: np.ndarray, working: np.ndarray) -> None:
        rng, n = self.rng, self.world.n
        rev = m.rev
        ships = working & self.trader & (rng.random(n) < self.p_trade)
        export = np.round(rev * self.export_share / self.p_trade * np.exp(0.3 * noise2) * ships, -2)
        imp = np.round(rev * self.import_share / self.p_trade * np.exp(0.3 * noise3) * ships, -2)
        self.export, self.imp = export, imp
        self.yr["export"] += export
        self.yr["import"] += imp

    def close_year(self, year: int) -> None:
        self.yr.close(year)

    # ------------------------------------------------------------------ files
    def write(self, ym: int) -> None:
        world = self.world
        m = {"export": self.export, "import": self.imp}
        wan = 1e4
        idx = np.flatnonzero((m["export"] > 0) | (m["import"] > 0))
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        df = pl.DataFrame(
            {
                "海关编码": self.customs_code.gather(idx),
                "统一社会信用代码": world.uscc(idx),
                "企业名称": world.name(idx),
                "统计年月": M.yyyymm(ym),
                "出口额(万元)": np.where(m["export"][idx] > 0, m["export"][idx] / wan, np.nan),
                "进口额(万元)": np.where(m["import"][idx] > 0, m["import"][idx] / wan, np.nan),
            },
            nan_to_null=True,
        )
        base = f"customs/{M.yyyymm(ym)}/trade_{M.yyyymm(ym)}"
        self.out.emit_xlsx("customs_trade", base, "进出口", df, "统一社会信用代码",
                        ("出口额(万元)", "进口额(万元)"), ())  # fmt: skip
