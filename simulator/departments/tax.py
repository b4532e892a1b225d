"""Tax (税务): monthly VAT/CIT declarations, tax arrears and the yearly credit grade.

Arrears start by chance (more often and larger when health is low; often after a distress
onset), grow while unpaid and are cleared more often by healthy firms. Weak firms skip or file
late more often; dormant firms stop filing. The credit grade (A-D, M for new firms) published
each April summarises last year's filing, lateness, arrears and health.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.formats import csv_quoted_amounts, date_series, fixed
from simulator.output import Output
from simulator.world import Month, World, Yearly, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"tax_declaration": 2, "tax_credit_grade": 8}

TAX_COLS = (
    "纳税人识别号", "纳税人名称", "税款所属期起", "税款所属期止", "申报日期", "销售额(元)",
    "应纳增值税额(元)", "已缴企业所得税(元)", "欠税余额(元)",
)  # fmt: skip
TAX_AMOUNTS = TAX_COLS[5:]
GRADE_COLS = ("纳税人识别号", "纳税人名称", "评价年度", "信用级别", "发布日期")


class Tax:
    """Arrears per firm, the declarations, and what the yearly credit grade looks at."""

    def __init__(self, world: World, out: Output) -> None:
        self.world, self.out = world, out
        n = world.n
        self.arrears = np.zeros(n)
        self.grade = Yearly(n, "g_months", "g_filed", "g_late", "g_arrears", "g_h", "g_sales")

    def accrue_arrears(self, ym: int, m: Month) -> None:
        """Start, grow or clear arrears for the month (draws from the world's stream)."""
        world = self.world
        p, rng, n = world.p, world.rng, world.n
        h, alive, rev, vat, cit = m.h, m.alive, m.rev, m.vat, m.cit
        owing = self.arrears > 0
        start = (
            alive
            & ~owing
            & (
                (rng.random(n) < sigmoid(p.arrears_a - p.arrears_b * h))
                | (world.arrears_trigger == ym)
            )
        )
        amount = (vat + cit + 0.01 * rev + 2_000.0) * rng.uniform(1.0, 3.0, n)
        repay = alive & owing & (rng.random(n) < sigmoid(p.repay_a + p.repay_b * h))
        grow = alive & owing & ~repay
        add = (rng.random(n) < 0.4) * vat * rng.random(n)
        self.arrears = np.where(start, amount, self.arrears)
        self.arrears = np.where(repay, 0.0, self.arrears)
        self.arrears = np.where(grow, self.arrears * 1.015 + add, self.arrears)

    def observe(self, m: Month) -> None:
        self.grade["g_h"] += np.where(m.alive, m.h, 0.0)

    def note(self, alive: np.ndarray, files: np.ndarray, late: np.ndarray, sales, arrears):
        """Accumulate what the tax bureau's yearly credit assessment looks at."""
        yr = self.grade
        yr["g_months"] += alive
        yr["g_filed"] += files
        yr["g_late"] += files & late
        yr["g_arrears"] += alive & (arrears > 0)
        yr["g_sales"] += sales * files

    def close_year(self, year: int, alive: np.ndarray) -> None:
        self.grade.close(year, alive=alive.copy())

    # ------------------------------------------------------------------ files
    def write_declaration(self, ym: int, m: Month) -> None:
        world = self.world
        p, rng, n = world.p, world.rng, world.n
        h = world.h
        alive, dormant, rev, vat, cit = m.alive, m.dormant, m.rev, m.vat, m.cit
        skip = rng.random(n) < p.skip_base + p.skip_weak * sigmoid(-3.0 - 1.5 * h)
        files = alive & ~(dormant & world.stop_filer) & ~skip
        late_decl = rng.random(n) < sigmoid(-3.0 - 1.0 * h)
        decl_day = np.where(late_decl, rng.integers(16, 29, n), rng.integers(1, 16, n))
        self.note(alive, files, late_decl, rev, self.arrears)
        frng = self.out.fault_rng("tax_declaration", ym)
        idx = np.flatnonzero(files)
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        idx = self.out.drop_missing("tax_declaration", ym, idx, frng)
        period = M.yyyymm(ym)
        df = pl.DataFrame(
            {
                "纳税人识别号": self.world.uscc(idx),
                "纳税人名称": self.world.name(idx),
                "税款所属期起": period + "01",
                "税款所属期止": M.last_day(ym).strftime("%Y%m%d"),
                "申报日期": date_series(M.days(ym + 1, decl_day[idx]), "%Y%m%d"),
                "销售额(元)": rev[idx],
                "应纳增值税额(元)": vat[idx],
                "已缴企业所得税(元)": cit[idx],
                "欠税余额(元)": self.arrears[idx],
            }
        )
        df = df.with_columns(fixed(pl.col(c), 2, thousands=True).alias(c) for c in TAX_AMOUNTS)
        df = self.out.inject(df, frng, "纳税人识别号", TAX_AMOUNTS)
        delivery = self.out.delivery("tax_declaration", ym)
        rel = f"tax/{M.yyyymm(delivery)}/declaration_{period}.csv"
        if delivery != ym:
            self.out.note_late("tax_declaration", rel, ym, delivery)
        self.out.log_faults("tax_declaration", rel, df, 2)
        text = csv_quoted_amounts(df.drop("_fault", "_ocol", "_oval"), list(TAX_AMOUNTS))
        self.out.write(rel, text.encode("gbk"))

    def grade_due(self, ym: int) -> bool:
        """April, with last year's assessment complete."""
        g = self.grade
        return M.month_of(ym) == 4 and g.prev is not None and g.year == M.year_of(ym) - 1

    def write_grade(self, ym: int) -> None:
        world, F, prev = self.world, self.world.F, self.grade.prev
        assert prev is not None
        year = self.grade.year
        rng = np.random.default_rng([world.seed, 6, year])
        n = world.n
        months = np.maximum(prev["g_months"], 1)
        filed = np.where(prev["g_months"] > 0, prev["g_filed"] / months, 1.0)
        late = prev["g_late"] / months
        arrears = prev["g_arrears"] / months
        h_mean = prev["g_h"] / 12.0
        score = h_mean + rng.normal(0, 0.7, n) - 2.0 * arrears - 1.0 * late - 1.5 * (1 - filed)
        grade = np.where(
            score > 1.9, "A", np.where(score > -1.9, "B", np.where(score > -2.8, "C", "D"))
        )
        grade = np.where((filed < 0.5) | (prev["g_arrears"] >= 9), "D", grade)
        new = F.founded_m >= year * 12
        no_sales = (prev["g_sales"] <= 0) & (prev["g_months"] > 0)
        grade = np.where(new | (no_sales & (grade != "D")), "M", grade)
        assessed = prev["alive"] & (F.founded_m <= year * 12 + 11)
        idx = np.flatnonzero(assessed)
        idx = idx[np.argsort(world.rank[idx], kind="stable")]
        day = int(rng.integers(10, 26))
        df = pl.DataFrame(
            {
                "纳税人识别号": world.uscc(idx),
                "纳税人名称": world.name(idx),
                "评价年度": str(year),
                "信用级别": pl.Series(grade[idx].tolist(), dtype=pl.String),
                "发布日期": f"{year + 1}04{day:02d}",
            }
        )
        rel = f"tax/{M.yyyymm(ym)}/credit_grade_{year}.csv"
        self.out.emit_csv("tax_credit_grade", rel, df, "纳税人识别号", encoding="gbk")
