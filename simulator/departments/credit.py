"""Credit (金融办): monthly loan balances, overdue loans and guarantees of borrowers.

Lines roll over while the firm works; overdue starts by chance (more often when weak), after a
distress onset, or when the firm goes dormant.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import (
    name_and_code,
)
from simulator.formats import fixed
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import Month, World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"credit_loans": 13}

LOAN_KEYS = (
    "统一社会信用代码", "企业名称", "统计日期", "贷款余额(万元)", "逾期贷款余额(万元)",
    "对外担保余额(万元)", "授信机构数",
)  # fmt: skip
LOAN_AMOUNTS = LOAN_KEYS[3:6]


class Credit:
    """Borrowers, their loan lines, overdue shares and the guarantees they give."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        F, n = world.F, world.n
        size = F.size
        self.borrower = rng.random(n) < np.array([0.9, 0.75, 0.45, 0.15])[size]
        self.loan_target = F.revenue * rng.lognormal(np.log(0.3), 0.6, n) * self.borrower
        self.loans = self.loan_target * rng.lognormal(0, 0.1, n)
        self.lenders = 1 + rng.poisson(np.array([4.0, 2.0, 0.8, 0.2])[size])
        guarantor = self.borrower & (rng.random(n) < 0.5 * sigmoid(-0.6 * F.mu))
        self.guarantee = F.revenue * rng.lognormal(np.log(0.15), 0.7, n) * guarantor
        self.od_owing = np.zeros(n, dtype=bool)
        self.od_share = np.zeros(n)
        self.od_trigger = np.full(n, NEVER, dtype=np.int64)
        self.overdue = np.zeros(n)
        self.loan_row = np.zeros(n, dtype=bool)
        self.prev_guarantee: np.ndarray | None = None

    def step(
        self,
        ym: int,
        m: Month,
        noise: np.ndarray,
        newly: np.ndarray,
        live: np.ndarray,
        working: np.ndarray,
    ) -> None:
        F, rng, n = self.world.F, self.rng, self.world.n
        h, winding, dormant = m.h, m.winding, m.dormant
        roll = working & ~winding
        target = self.loan_target * np.exp(-0.1 * (h - F.mu))
        self.loans = np.where(
            roll, 0.92 * self.loans + 0.08 * target * np.exp(0.1 * noise), self.loans
        )
        self.loans = np.where(winding, 0.95 * self.loans, self.loans) * self.borrower
        trig = newly & self.borrower & (rng.random(n) < 0.6)
        self.od_trigger[trig] = ym + rng.integers(0, 4, int(trig.sum()))
        od_start = (
            live & self.borrower & ~self.od_owing
            & ((rng.random(n) < sigmoid(-6.4 - 1.5 * h)) | (self.od_trigger == ym)
               | (dormant & (rng.random(n) < 0.15)))
        )  # fmt: skip
        self.od_share = np.where(
            od_start,
            rng.uniform(0.05, 0.3, n),
            np.minimum(self.od_share + self.od_owing * rng.uniform(0, 0.08, n), 1.0),
        )
        self.od_owing |= od_start
        od_cure = self.od_owing & working & (rng.random(n) < sigmoid(-2.2 + 0.9 * h))
        self.od_owing &= ~od_cure
        overdue = np.where(self.od_owing, self.loans * self.od_share, 0.0)
        loan_row = live & self.borrower & (self.loans > 1.0)
        self.overdue, self.loan_row = overdue, loan_row

    def close_year(self, year: int) -> None:
        self.prev_guarantee = self.guarantee * self.loan_row

    # ------------------------------------------------------------------ files
    def write(self, ym: int) -> None:
        world = self.world
        wan = 1e4
        idx = np.flatnonzero(self.loan_row)
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        df = pl.DataFrame(
            {
                **name_and_code(self.world, idx, "企业名称", "统一社会信用代码"),
                "统计日期": M.last_day(ym).isoformat(),
                "贷款余额(万元)": self.loans[idx] / wan,
                "逾期贷款余额(万元)": self.overdue[idx] / wan,
                "对外担保余额(万元)": self.guarantee[idx] / wan,
                "授信机构数": self.lenders[idx].astype(str),
            }
        ).select(LOAN_KEYS)
        df = df.with_columns(fixed(pl.col(c), 2, thousands=True).alias(c) for c in LOAN_AMOUNTS)
        rel = f"credit/{M.yyyymm(ym)}/loans_{M.yyyymm(ym)}.json"
        self.out.emit_json("credit_loans", rel, df, "统一社会信用代码", LOAN_AMOUNTS)
