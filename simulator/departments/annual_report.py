"""The annual report (企业年度报告, 多报合一), filed to AMR between January and June.

One filing carries sections other departments read (social insurance, customs, energy, paid-in
capital, guarantees), so this module reads the departments' last calendar year. A share of the
reports disagree with what the departments carry (``truth/report_mismatches.csv``); firms that
do not report by 30 June, and some caught misreporting, go on AMR's abnormal-operation list.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.amr import Amr
from simulator.departments.credit import Credit
from simulator.departments.customs import Customs
from simulator.departments.hrss import Hrss
from simulator.departments.power import Power
from simulator.formats import date_series
from simulator.months import NEVER
from simulator.output import MISMATCH_SCHEMA, Output
from simulator.world import World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"amr_annual_report": 1}

REPORT_COLS = (
    "统一社会信用代码", "企业名称", "年报年度", "报送日期", "从业人数", "资产总额(万元)",
    "所有者权益合计(万元)", "营业总收入(万元)", "主营业务收入(万元)", "利润总额(万元)",
    "净利润(万元)", "纳税总额(万元)", "负债总额(万元)", "养老保险参保人数",
    # 多报合一: sections other departments read from the same filing
    "认缴出资额(万元)", "实缴出资额(万元)", "对外提供保证担保金额(万元)", "是否有网站或网店",
    "失业保险参保人数", "医疗保险参保人数", "工伤保险参保人数", "生育保险参保人数",
    "单位缴费基数(万元)", "本期实际缴费金额(万元)", "单位累计欠缴金额(万元)", "出口额(万元)",
    "进口额(万元)", "研发费用(万元)", "综合能源消费量(吨标准煤)", "是否外商投资企业",
    "经常项目外汇收入(万美元)",
)  # fmt: skip
REPORT_AMOUNTS = tuple(c for c in REPORT_COLS[5:] if "万" in c or "吨" in c)
REPORT_INTEGERS = ("年报年度", "从业人数") + tuple(c for c in REPORT_COLS if c.endswith("参保人数"))
# annual-report item -> its column; true values are what the department feeds carry
MISMATCH_ITEMS = {
    "total_revenue": "营业总收入(万元)",
    "total_tax": "纳税总额(万元)",
    "employees": "从业人数",
    "pension_insured": "养老保险参保人数",
    "export": "出口额(万元)",
    "contributions_paid": "本期实际缴费金额(万元)",
}
USD_CNY = 7.1


class AnnualReport:
    """Report-only attributes of each firm, and the yearly report file."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator, *, amr: Amr,
                 hrss: Hrss, power: Power, customs: Customs, credit: Credit) -> None:  # fmt: skip
        self.world, self.out = world, out
        self.amr, self.hrss, self.power = amr, hrss, power
        self.customs, self.credit = customs, credit
        F, n = world.F, world.n
        size = F.size
        self.website = rng.random(n) < np.array([0.9, 0.7, 0.35, 0.12])[size]
        self.foreign = rng.random(n) < np.array([0.12, 0.08, 0.03, 0.01])[size] * (
            1 + customs.trader
        )
        full = rng.random(n) < np.array([0.8, 0.6, 0.35, 0.2])[size] * (0.6 + 0.8 * sigmoid(F.mu))
        self.paid_share = np.where(full, 1.0, np.round(rng.uniform(0.0, 0.9, n), 2))

    def due(self, ym: int) -> int | None:
        """The report year filed from this month (June, once last year is complete), or None."""
        world = self.world
        year = world.yr.year
        if M.month_of(ym) != 6 or year != M.year_of(ym) - 1:
            return None
        if year * 12 >= world.sim_start and year + 1 >= M.year_of(world.win_start):
            return year
        return None

    def sections(self) -> dict[str, np.ndarray]:
        """The 多报合一 sections of last year's annual report, as the departments carry them."""
        world, F = self.world, self.world.F
        hrss, customs, power = self.hrss.yr.prev, self.customs.yr.prev, self.power.yr.prev
        world_prev, guarantee = world.yr.prev, self.credit.prev_guarantee
        assert hrss is not None and customs is not None and power is not None
        assert world_prev is not None and guarantee is not None
        wan = 1e4
        others = hrss["others"]
        return {
            "认缴出资额(万元)": world.capital.copy(),
            "实缴出资额(万元)": np.round(world.capital * self.paid_share, 2),
            "对外提供保证担保金额(万元)": np.round(guarantee / wan, 2),
            "是否有网站或网店": np.where(self.website, "是", "否"),
            "养老保险参保人数": hrss["pension"],
            "失业保险参保人数": others[0],
            "医疗保险参保人数": others[1],
            "工伤保险参保人数": others[2],
            "生育保险参保人数": others[3],
            "单位缴费基数(万元)": np.round(hrss["base"] / wan, 2),
            "本期实际缴费金额(万元)": np.round(hrss["paid"] / wan, 2),
            "单位累计欠缴金额(万元)": np.round(hrss["si_arrears"] / wan, 2),
            "出口额(万元)": np.round(customs["export"] / wan, 2),
            "进口额(万元)": np.round(customs["import"] / wan, 2),
            "研发费用(万元)": np.round(world_prev["rd"] / wan, 2),
            "综合能源消费量(吨标准煤)": np.round(self.power.tce(power["kwh"]), 2),
            "是否外商投资企业": np.where(self.foreign, "是", "否"),
            "经常项目外汇收入(万美元)": np.round(
                customs["export"] / USD_CNY / wan * np.where(F.industrial, 1.0, 1.05), 2
            ),
        }

    # ------------------------------------------------------------------ files
    def write(self, year: int) -> None:
        """Write the reports on ``year`` (the world's stream draws who files, when and what)."""
        world = self.world
        p, F, rng, n = world.p, world.F, world.rng, world.n
        prev = world.yr.prev
        assert prev is not None
        existed = F.founded_m <= year * 12 + 11
        h_mean = prev["h"] / np.maximum(prev["n"], 1)
        jan1 = np.datetime64(dt.date(year + 1, 1, 1), "D")
        offset = np.floor(rng.beta(3.0, 1.3, n) * 181).astype(np.int64)
        filed = (jan1 + offset).astype("datetime64[D]")
        filed_m = M.ym_of_days(filed)
        term_day = np.where(
            world.term_m < NEVER,
            M.days_many(world.term_m, world.term_day),
            np.datetime64("2999-01-01"),
        )
        alive_at_filing = term_day.astype("datetime64[D]") > filed
        not_dormant = world.dormant_m > filed_m
        p_skip = 0.05 + 0.05 * (F.size == 3) + 0.3 * sigmoid(-2.0 - 1.5 * h_mean)
        required = existed & alive_at_filing & (prev["n"] > 0)
        files = required & not_dormant & (rng.random(n) >= p_skip)

        rev = prev["rev"]
        assets = np.maximum(rev * F.asset_ratio, world.capital * 1e4 * rng.uniform(0.2, 1.0, n))
        assets *= np.exp(rng.normal(0, 0.1, n))
        debt_ratio = np.clip(F.debt - p.debt_h * h_mean + rng.normal(0, 0.04, n), 0.02, 1.8)
        liab = assets * debt_ratio
        profit = prev["profit"]
        net = np.where(profit > 0, profit * (1 - F.cit_rate), profit)
        taxes = prev["vat"] + prev["cit"]
        emp = prev["emp"]
        sections = self.sections()
        idx = np.flatnonzero(files)
        idx = idx[np.argsort(filed[idx].astype(np.int64) * (n + 1) + idx, kind="stable")]
        wan = 1e4
        true = {
            "从业人数": emp[idx],
            "资产总额(万元)": assets[idx] / wan,
            "所有者权益合计(万元)": (assets[idx] - liab[idx]) / wan,
            "营业总收入(万元)": rev[idx] / wan,
            "主营业务收入(万元)": rev[idx] * F.main_share[idx] / wan,
            "利润总额(万元)": profit[idx] / wan,
            "净利润(万元)": net[idx] / wan,
            "纳税总额(万元)": taxes[idx] / wan,
            "负债总额(万元)": liab[idx] / wan,
            **{c: v[idx] for c, v in sections.items()},
        }
        true = {k: v if v.dtype.kind in "OU" else np.round(v, 2) for k, v in true.items()}
        declared = {k: v.copy() for k, v in true.items()}

        # reports that disagree with what the departments carry, item by item
        frng = self.out.fault_rng("amr_annual_report", year)
        k = len(idx)
        mis = frng.random(k) < min(1.0, self.out.f * p.mismatch_factor)
        records = []
        for i in np.flatnonzero(mis):
            u = frng.random()
            if u < 0.1:
                factor = 1e4  # reported in 元 instead of 万元
            elif u < 0.6:
                factor = frng.uniform(0.3, 0.8)
            else:
                factor = frng.uniform(1.25, 2.5)
            draw = frng.random(6)
            chosen = [
                item
                for item, q, ok in (
                    ("total_revenue", 0.6, True),
                    ("total_tax", 0.3, True),
                    ("employees", 0.25, True),
                    ("pension_insured", 0.25, True),
                    ("export", 0.3, true["出口额(万元)"][i] > 0),
                    ("contributions_paid", 0.25, true["本期实际缴费金额(万元)"][i] > 0),
                )
                if ok and draw[list(MISMATCH_ITEMS).index(item)] < q
            ] or ["total_revenue"]
            for item in chosen:
                col = MISMATCH_ITEMS[item]
                t = true[col][i]
                if item == "total_revenue":
                    value = float(np.round(t * factor, 2))
                    declared["主营业务收入(万元)"][i] = np.round(
                        true["主营业务收入(万元)"][i] * factor, 2
                    )
                elif item in ("employees", "pension_insured"):
                    f2 = frng.uniform(0.3, 0.7) if frng.random() < 0.5 else frng.uniform(1.5, 3)
                    value = float(max(1.0, np.round(max(t, 1.0) * f2)))
                elif item == "total_tax":
                    value = float(np.round(t * frng.uniform(0.2, 0.8), 2))
                elif item == "export":
                    f2 = frng.uniform(0.2, 0.7) if frng.random() < 0.5 else frng.uniform(1.3, 3)
                    value = float(np.round(t * f2, 2))
                else:  # contributions paid: overstated, which hides arrears
                    value = float(np.round(t * frng.uniform(1.2, 2.0), 2))
                if value == t:
                    continue
                declared[col][i] = value
                scale = 1.0 if item in ("employees", "pension_insured") else wan
                records.append(
                    (
                        F.uscc[idx[i]],
                        year,
                        item,
                        round(value * scale, 2),
                        round(float(t) * scale, 2),
                    )
                )
        if records:
            self.out.mismatches.append(pl.DataFrame(records, schema=MISMATCH_SCHEMA, orient="row"))
            self.out.summary.faults["report_mismatch"] += len({(r[0], r[1]) for r in records})
        self.amr.after_annual_report(
            year, required, files, h_mean, np.unique(idx[mis]) if k else np.zeros(0, np.int64)
        )

        df = pl.DataFrame(
            {
                "统一社会信用代码": self.world.uscc(idx),
                "企业名称": self.world.name(idx),
                "年报年度": np.full(k, year, dtype=np.int64),
                "报送日期": date_series(filed[idx], "%Y-%m-%d"),
                **{
                    c: declared[c].astype(np.int64) if c in REPORT_INTEGERS
                    else pl.Series(declared[c].tolist(), dtype=pl.String)
                    if declared[c].dtype.kind in "OU" else declared[c]
                    for c in REPORT_COLS[4:]
                },
            }
        )  # fmt: skip
        df = self.out.inject(
            df, frng, "统一社会信用代码", REPORT_AMOUNTS, amounts_as_text=False, protect=mis
        )
        self.out.write_xlsx(
            "amr_annual_report",
            f"amr/{year + 1}/annual_report_{year}",
            "年报",
            df,
            set(REPORT_AMOUNTS),
            set(REPORT_INTEGERS),
        )
