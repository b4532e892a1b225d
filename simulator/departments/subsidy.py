"""Subsidies (财政): government payments to firms, mostly in June and December.

Certified, trading and healthy firms are paid more often; the programme depends on what the
firm is (certified, research-active, trading, industrial, large).
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import (
    Serials,
    name_and_code,
)
from simulator.formats import date_series, fixed
from simulator.output import Output
from simulator.world import World

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"subsidy_payment": 16}

SUBSIDY_COLS = (
    "拨付单号", "企业名称", "统一社会信用代码", "项目名称", "主管部门", "拨付金额(万元)",
    "拨付日期",
)  # fmt: skip
PROGRAMMES = (
    ("工业企业技术改造补助", "经信局"),
    ("高新技术企业认定奖励", "科技局"),
    ("企业研发费用补助", "科技局"),
    ("专精特新企业奖励", "经信局"),
    ("外贸稳增长专项资金", "商务局"),
    ("小微企业贷款贴息", "财政局"),
    ("节能降耗专项资金", "经信局"),
    ("企业上市培育奖励", "财政局"),
)


class Subsidy:
    """Payments drawn each month, delivered in the month they are paid."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        self.serials = Serials()
        self.subsidies: list[pl.DataFrame] = []

    def events(
        self, ym: int, h: np.ndarray, working: np.ndarray, held: np.ndarray, trader: np.ndarray
    ) -> None:
        """``held``: certificate types held (from sci); ``trader``: trading firms (customs)."""
        world, F, rng, n = self.world, self.world.F, self.rng, self.world.n
        size = F.size
        cal = M.month_of(ym)
        year = M.year_of(ym)
        season = {1: 0.4, 2: 0.4, 6: 1.8, 12: 2.5}.get(cal, 0.8)
        lam = (
            np.array([0.06, 0.03, 0.01, 0.002])[size] * (1 + 1.5 * held.any(axis=0))
            * (1 + 0.5 * trader) * np.exp(0.4 * h) * season * working
        )  # fmt: skip
        idx = np.flatnonzero(rng.random(n) < lam)
        k = len(idx)
        if k:
            w = np.ones((k, len(PROGRAMMES)))
            w[:, 1] *= 1 + 6 * held[0, idx]
            w[:, 2] *= 1 + 3 * (F.rd[idx] > 0)
            w[:, 3] *= 1 + 6 * held[1, idx]
            w[:, 4] *= 0.1 + 6 * trader[idx]
            w[:, 0] *= 0.2 + 3 * F.industrial[idx]
            w[:, 6] *= 0.2 + 2 * F.industrial[idx]
            w[:, 7] *= 0.1 + 2 * (size[idx] <= 1)
            cum = np.cumsum(w, axis=1)
            prog = (rng.random(k)[:, None] * cum[:, -1:] > cum).sum(axis=1)
            amount = np.round(rng.lognormal(np.log([80.0, 25.0, 8.0, 3.0])[size[idx]], 0.8), 2)
            seq = self.serials.take(f"sub{year}", k)
            order = np.argsort(world.rank[idx], kind="stable")
            idx, prog, amount, seq = idx[order], prog[order], amount[order], seq[order]
            self.subsidies.append(
                pl.DataFrame(
                    {
                        "拨付单号": [f"ZJCZ{year}{cal:02d}{s:06d}" for s in seq],
                        "_firm": idx,
                        "项目名称": [PROGRAMMES[i][0] for i in prog],
                        "主管部门": [PROGRAMMES[i][1] for i in prog],
                        "拨付金额(万元)": amount,
                        "_day": rng.integers(1, M.days_in(ym) + 1, k),
                        "_m": np.full(k, ym),
                    }
                )
            )

    # ------------------------------------------------------------------ files
    def write(self, ym: int) -> None:
        frames = [f for f in self.subsidies if f["_m"][0] == ym]
        self.subsidies = [f for f in self.subsidies if f["_m"][0] > ym]
        if frames:
            raw = pl.concat(frames, how="vertical_relaxed")
        else:
            raw = pl.DataFrame(
                schema={
                    "拨付单号": pl.String,
                    "_firm": pl.Int64,
                    "项目名称": pl.String,
                    "主管部门": pl.String,
                    "拨付金额(万元)": pl.Float64,
                    "_day": pl.Int64,
                    "_m": pl.Int64,
                }  # fmt: skip
            )
        raw = raw.sort("_day", "拨付单号")
        firm = raw["_firm"].to_numpy()
        df = pl.DataFrame(
            {
                "拨付单号": raw["拨付单号"],
                **name_and_code(self.world, firm, "企业名称", "统一社会信用代码"),
                "项目名称": raw["项目名称"],
                "主管部门": raw["主管部门"],
                "拨付金额(万元)": raw["拨付金额(万元)"],
                "拨付日期": date_series(
                    M.when(np.full(len(firm), ym), raw["_day"].to_numpy()), "%Y年%m月%d日"
                ),
            }
        ).with_columns(fixed(pl.col("拨付金额(万元)"), 2, thousands=True).alias("拨付金额(万元)"))
        rel = f"subsidy/{M.yyyymm(ym)}/subsidy_{M.yyyymm(ym)}.csv"
        self.out.emit_csv("subsidy_payment", rel, df, "统一社会信用代码", ("拨付金额(万元)",),
                       encoding="gbk", quoted=("拨付金额(万元)",))  # fmt: skip
