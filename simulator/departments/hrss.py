"""HRSS (人社): monthly social-insurance contributions and labour-dispute cases.

Coverage follows slow health; contributions fall into arrears by chance, more often when health
is low or after a distress onset. Some employers are insured in another city's pool and never
appear. Disputes come more often from weak firms, in a burst right after distress starts.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import (
    Items,
    Serials,
    name_and_code,
    null_text,
    open_close,
)
from simulator.formats import date_series, fixed
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import Month, World, Yearly, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"hrss_insured": 9, "hrss_wage_dispute": 10}

INSURED_COLS = (
    "统一社会信用代码", "单位名称", "费款所属期", "养老保险参保人数", "失业保险参保人数",
    "医疗保险参保人数", "工伤保险参保人数", "生育保险参保人数", "缴费基数(元)", "应缴金额(元)",
    "实缴金额(元)", "累计欠费金额(元)",
)  # fmt: skip
INSURED_AMOUNTS = INSURED_COLS[8:]
WAGE_COLS = (
    "案件编号", "用人单位名称", "用人单位统一社会信用代码", "立案日期", "涉及劳动者人数",
    "涉案金额(元)", "案件状态", "结案日期",
)  # fmt: skip
CONTRIBUTION_RATE = 0.37  # employer + employee shares of the five insurances


class Hrss:
    """Insured headcounts, contributions and arrears; wage-dispute cases."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        F, n = world.F, world.n
        size = F.size
        self.serials = Serials()
        # social security: some employers are insured in another city's pool
        self.hrss_absent = rng.random(n) < 0.04
        self.wage = rng.lognormal(np.log(6000.0), 0.25, n) * np.array([1.3, 1.15, 1.0, 0.9])[size]
        self.ratio = np.stack(
            [
                rng.uniform(0.85, 1.0, n),  # unemployment
                rng.uniform(0.97, 1.03, n),  # medical
                rng.uniform(0.92, 1.01, n),  # work injury
                rng.uniform(0.9, 1.0, n),  # maternity
            ]
        )
        self.si_owing = np.zeros(n, dtype=bool)
        self.si_balance = np.zeros(n)
        self.si_trigger = np.full(n, NEVER, dtype=np.int64)
        self.disputes = Items("firm", "m", "d", "workers", "close_m", "close_d")
        self.yr = Yearly(n, "base", "paid")
        self.month: dict[str, np.ndarray] = {}

    def step(
        self,
        ym: int,
        m: Month,
        noise: np.ndarray,
        newly: np.ndarray,
        live: np.ndarray,
        working: np.ndarray,
    ) -> None:
        """Contributions of the month (``noise``: this department's share of the month's draws)."""
        F, rng, n = self.world.F, self.rng, self.world.n
        h, hs, emp, alive = m.h, m.hs, m.emp, m.alive
        # social insurance: coverage follows slow health; dormant firms have laid their staff off
        cover = np.clip(F.coverage + 0.04 * hs + 0.02 * noise, 0.02, 1.0)
        pension = np.floor(emp * cover) * working
        others = np.floor(pension[None, :] * self.ratio)
        base = pension * self.wage * np.exp(0.03 * h)
        due = base * CONTRIBUTION_RATE
        trig = newly & (rng.random(n) < 0.5)
        self.si_trigger[trig] = ym + rng.integers(0, 3, int(trig.sum()))
        start = (
            live
            & ~self.si_owing
            & (pension > 0)
            & ((rng.random(n) < sigmoid(-5.6 - 1.5 * h)) | (self.si_trigger == ym))
        )
        self.si_owing |= start
        cure = self.si_owing & working & (rng.random(n) < sigmoid(-1.8 + 0.8 * h))
        part = rng.uniform(0.0, 0.6, n)
        paid = np.where(self.si_owing & ~cure, due * part, due + np.where(cure, self.si_balance, 0))
        self.si_balance = np.where(cure, 0.0, self.si_balance + np.maximum(due - paid, 0.0))
        self.si_owing &= ~cure
        self.si_owing &= alive
        paid = np.round(paid * live, 2)
        hrss_row = live & ~self.hrss_absent & ((pension > 0) | (self.si_balance > 0))
        self.yr["base"] += base * ~self.hrss_absent
        self.yr["paid"] += paid * ~self.hrss_absent
        self.month = {
            "pension": pension,
            "others": others,
            "base": base,
            "due": due,
            "paid": paid,
            "hrss_row": hrss_row,
        }

    def dispute_events(
        self, ym: int, h: np.ndarray, emp: np.ndarray, live: np.ndarray, distress_m: np.ndarray
    ) -> None:
        F, rng, n = self.world.F, self.rng, self.world.n
        size = F.size
        year = M.year_of(ym)
        # labour disputes and unpaid wages: more when weak, a burst right after distress starts
        recent = (ym - distress_m >= 0) & (ym - distress_m <= 4)
        lam = (
            np.array([4.0, 2.5, 1.2, 0.5])[size] * (0.002 * np.exp(-0.9 * h) + 0.12 * recent) * live
        )
        idx = np.flatnonzero(rng.random(n) < lam)
        k = len(idx)
        if k:
            workers = 1 + rng.poisson(np.minimum(emp[idx], 200) * 0.03 * (1 + 2 * recent[idx]))
            amount = np.round(workers * self.wage[idx] * rng.uniform(1.0, 4.0, k), 2)
            closes = rng.random(k) < 0.85
            self.disputes.add(
                self.serials.take(f"wage{year}", k).astype(str),
                amount=amount,
                firm=idx,
                m=np.full(k, ym),
                d=rng.integers(1, 29, k),
                workers=workers,
                close_m=np.where(closes, ym + rng.integers(1, 7, k), NEVER),
                close_d=rng.integers(1, 29, k),
            )

    def close_year(self, year: int) -> None:
        m = self.month
        self.yr.close(
            year,
            pension=m["pension"].copy(),
            others=m["others"].copy(),
            si_arrears=self.si_balance.copy(),
        )

    # ------------------------------------------------------------------ files
    def write_insured(self, ym: int) -> None:
        world, m = self.world, self.month
        idx = np.flatnonzero(m["hrss_row"])
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        o = m["others"]
        df = pl.DataFrame(
            {
                **name_and_code(self.world, idx, "单位名称", "统一社会信用代码"),
                "费款所属期": M.yyyymm(ym),
                "养老保险参保人数": m["pension"][idx].astype(np.int64),
                "失业保险参保人数": o[0][idx].astype(np.int64),
                "医疗保险参保人数": o[1][idx].astype(np.int64),
                "工伤保险参保人数": o[2][idx].astype(np.int64),
                "生育保险参保人数": o[3][idx].astype(np.int64),
                "缴费基数(元)": m["base"][idx],
                "应缴金额(元)": m["due"][idx],
                "实缴金额(元)": m["paid"][idx],
                "累计欠费金额(元)": self.si_balance[idx],
            }
        ).select(INSURED_COLS)
        df = df.with_columns(fixed(pl.col(c), 2, thousands=True).alias(c) for c in INSURED_AMOUNTS)
        rel = f"hrss/{M.yyyymm(ym)}/insured_{M.yyyymm(ym)}.csv"
        self.out.emit_csv(
            "hrss_insured",
            rel,
            df,
            "统一社会信用代码",
            INSURED_AMOUNTS,
            bom=True,
            quoted=INSURED_AMOUNTS,
        )

    def write_disputes(self, ym: int, first: bool) -> None:
        c = self.disputes
        opened, closed = open_close(self.world, c, ym, first)
        frames = []
        for sel, done in ((opened, False), (closed, True)):
            f = c["firm"][sel]
            county = self.world.F.county[f] if len(f) else np.zeros(0, dtype=object)
            year = c["m"][sel] // 12
            frames.append(
                pl.DataFrame(
                    {
                        "案件编号": [
                            f"浙{k[:4]}劳人仲案字〔{y}〕{s}号"
                            for k, y, s in zip(county, year, c.no[sel], strict=True)
                        ],
                        **name_and_code(self.world, f, "用人单位名称", "用人单位统一社会信用代码"),
                        "立案日期": date_series(M.when(c["m"][sel], c["d"][sel]), "%Y年%m月%d日"),
                        "涉及劳动者人数": c["workers"][sel],
                        "涉案金额(元)": c.amount[sel],
                        "案件状态": "已结案" if done else "处理中",
                        "结案日期": date_series(
                            M.when(c["close_m"][sel], c["close_d"][sel]), "%Y年%m月%d日"
                        )
                        if done
                        else null_text(len(sel)),
                        "_s": M.when(c["close_m"][sel], c["close_d"][sel])
                        if done
                        else M.when(c["m"][sel], c["d"][sel]),
                    },
                    schema_overrides={
                        "案件编号": pl.String,
                        "案件状态": pl.String,
                        "_s": pl.Date,
                        "涉及劳动者人数": pl.Int64,
                        "涉案金额(元)": pl.Float64,
                    },
                )
            )
        df = pl.concat(frames, how="vertical_relaxed").sort("_s", "案件编号").drop("_s")
        base = f"hrss/{M.yyyymm(ym)}/wage_dispute_{M.yyyymm(ym)}"
        self.out.emit_xlsx(
            "hrss_wage_dispute",
            base,
            "劳动争议案件",
            df,
            "用人单位统一社会信用代码",
            ("涉案金额(元)",),
            ("涉及劳动者人数",),
        )
