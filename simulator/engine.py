"""The simulation: latent health month by month, proxies, distress, and the landing files.

Everything is vectorised over firms with numpy; the loop runs over months only and writes each
month's files as it goes, so memory stays flat in the number of months.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from simulator import months as M
from simulator.departments import Departments
from simulator.faults import inject_row_faults
from simulator.firms import Firms, make_firms
from simulator.formats import csv_bytes, csv_quoted_amounts, fixed
from simulator.reference import load_reference
from simulator.xlsx import write_xlsx

XLSX_MAX_ROWS = 500_000
NEVER = np.iinfo(np.int64).max // 4

# calendar-month seasonality without the Spring Festival (which is added per year)
_SEASON = np.array([1.00, 1.00, 1.02, 0.99, 1.00, 1.03, 0.97, 0.96, 1.01, 1.00, 1.04, 1.20])
_SEASON = _SEASON / _SEASON.mean()

# distress path by size class (大 中 小 微): A litigation, B dormancy -> revocation, else C closure
_PATH_A = np.array([0.80, 0.75, 0.55, 0.40])
_PATH_B = np.array([0.05, 0.08, 0.20, 0.35])

DISHONEST_REASONS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
)

FEEDS = (
    "amr_registry",
    "amr_annual_report",
    "tax_declaration",
    "stats_industry_monthly",
    "court_enforcement",
    "credit_dishonest",
    "amr_penalty",
    "amr_abnormal",
    "tax_credit_grade",
    "hrss_insured",
    "hrss_wage_dispute",
    "power_usage",
    "customs_trade",
    "credit_loans",
    "ip_rights",
    "sci_certification",
    "subsidy_payment",
    "env_penalty",
)

REGISTRY_COLS = (
    "统一社会信用代码", "企业名称", "企业类型", "行业代码", "住所行政区划代码", "注册资本(万元)",
    "成立日期", "登记状态", "状态变更日期", "变更日期",
)  # fmt: skip
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
TAX_COLS = (
    "纳税人识别号", "纳税人名称", "税款所属期起", "税款所属期止", "申报日期", "销售额(元)",
    "应纳增值税额(元)", "已缴企业所得税(元)", "欠税余额(元)",
)  # fmt: skip
TAX_AMOUNTS = TAX_COLS[5:]
STATS_COLS = (
    "统一社会信用代码", "单位详细名称", "报告期", "营业收入本年累计(千元)",
    "工业总产值本年累计(千元)", "利润总额本年累计(千元)", "研发费用本年累计(千元)",
    "期末从业人数", "新产品产值本年累计(千元)", "综合能源消费量本年累计(吨标准煤)",
)  # fmt: skip
STATS_AMOUNTS = (*STATS_COLS[3:7], *STATS_COLS[8:])
COURT_COLS = (
    "案号", "被执行人名称", "被执行人统一社会信用代码", "立案日期", "执行标的(元)", "案件状态",
    "结案日期",
)  # fmt: skip
CREDIT_KEYS = (
    "案号", "失信被执行人名称", "统一社会信用代码", "列入日期", "移出日期", "失信行为具体情形",
)  # fmt: skip


MISMATCH_SCHEMA = {
    "uscc": pl.String,
    "report_year": pl.Int64,
    "item": pl.String,
    "declared_value": pl.Float64,
    "true_value": pl.Float64,
}


@dataclass(frozen=True)
class Params:
    """World-model knobs, tuned for honest difficulty.

    Measured on 100k firms x 36 months (seeds 42 and 7), for a first distress event in the next
    12 months among firms with none so far: 4.7-5.5% of firms per window (stable over time);
    AUC of the latent health itself 0.84-0.86; AUC of an equal-weight rank index of YoY tax
    sales growth, arrears / sales, debt ratio and margin (last annual report) 0.74-0.77; about
    16% of distress onsets come from the health-independent hazard ``p0``; ~2/3 of the weakest
    decile have no event within 12 months.
    """

    mu_sd: float = 1.4  # spread of firms' mean health (the persistent part)
    margin_mu: float = 0.06  # structural margin / debt ratio tied to mean health
    debt_mu: float = 0.25
    phi: float = 0.95  # AR(1) persistence of latent health
    sigma: float = 0.25  # monthly innovation
    shock_prob: float = 0.006  # industry-wide shock per division and month
    shock_lo: float = 0.3
    shock_hi: float = 0.9
    drop_prob: float = 0.001  # firm-specific sudden drop per month
    drop_lo: float = 1.0
    drop_hi: float = 2.5
    haz_a: float = -8.6  # onset hazard: logistic(a + size + b * (-h)) + p0
    haz_b: float = 3.0
    haz_size: tuple[float, float, float, float] = (-0.7, -0.4, -0.1, 0.1)
    p0: float = 0.001  # onset hazard independent of health ("no warning")
    sue_lag: tuple[int, int] = (3, 12)  # months from onset to the enforcement filing
    close_lag: tuple[int, int] = (3, 9)  # onset to closure (注销)
    revoke_lag: tuple[int, int] = (24, 36)  # dormancy to revocation (吊销): 2-3 years
    never_revoked: float = 0.25  # dormant firms the registry never gets round to revoking
    sales_h: float = 0.3
    sales_noise: float = 0.25
    margin_h: float = 0.06
    margin_noise: float = 0.04
    debt_h: float = 0.15
    arrears_a: float = -5.3  # spontaneous arrears: logistic(a - b * h)
    arrears_b: float = 1.6
    arrears_on_onset: float = 0.7  # share of warned onsets that start arrears next month
    repay_a: float = -1.6  # arrears cleared: logistic(a + b * h)
    repay_b: float = 0.8
    skip_base: float = 0.006  # tax non-filing
    skip_weak: float = 0.12
    late_file_factor: float = 3.0  # late files: 3 x fault rate (3% at the default 1%)
    mismatch_factor: float = 3.0  # annual reports disagreeing with tax: 3 x fault rate


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
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FEEDS, 0))
    faults: dict[str, int] = field(
        default_factory=lambda: {
            "bad_check_char": 0,
            "duplicate_row": 0,
            "unparseable_number": 0,
            "missing_row": 0,
            "late_file": 0,
            "report_mismatch": 0,
        }
    )
    onsets: dict[str, int] = field(default_factory=lambda: {"health_driven": 0, "no_warning": 0})
    events: dict[str, int] = field(
        default_factory=lambda: {
            "dormancy": 0,
            "enforcement": 0,
            "dishonest": 0,
            "revocation": 0,
            "closure": 0,
        }
    )

    def as_dict(self) -> dict:
        d = asdict(self)
        d["files_written"] = len(self.files)
        return d


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _days(ym: int, day: np.ndarray) -> np.ndarray:
    return (M.day64(ym) + (day - 1)).astype("datetime64[D]")


def _date_series(name: str, days: np.ndarray, fmt: str) -> pl.Series:
    return pl.Series(name, days.astype("datetime64[D]")).dt.strftime(fmt)


class _Cases:
    """Enforcement cases (and their dishonest listings), scheduled ahead in time."""

    def __init__(self) -> None:
        self.cols: dict[str, np.ndarray] = {
            k: np.zeros(0, dtype=np.int64)
            for k in (
                "firm",
                "file_m",
                "file_d",
                "close_m",
                "close_d",
                "list_m",
                "list_d",
                "remove_m",
                "remove_d",
                "reason",
                "seq",
            )  # fmt: skip
        }
        self.cols["amount"] = np.zeros(0)
        self.case_no: list[str | None] = []

    def add(self, **new: np.ndarray) -> None:
        k = len(new["firm"])
        if not k:
            return
        for key in self.cols:
            self.cols[key] = np.concatenate([self.cols[key], new[key]])
        self.case_no.extend([None] * k)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.cols[key]


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
        self.out = Path(out_dir)
        self.landing = self.out / "landing"
        self.truth = self.out / "truth"
        self.seed = int(seed)
        self.f = float(fault_rate)
        self.end = M.parse_month(end)
        self.win_start = self.end - months + 1
        start_month = M.month_of(self.win_start)
        # burn-in: at least a year (distress pipelines in steady state), and back to January so
        # annual reports filed inside the window have a full simulated year behind them
        burn = max(12, start_month - 1 + (12 if start_month <= 6 else 0))
        self.sim_start = self.win_start - burn
        self.n = firms
        self.summary = Summary(
            out_dir=str(self.out),
            firms=firms,
            months=months,
            start=M.label(self.win_start),
            end=M.label(self.end),
            seed=self.seed,
            fault_rate=self.f,
        )
        self.rng = np.random.default_rng([self.seed, 1])
        self.fault_log: list[tuple[str, str, int, str]] = []
        self.dropped: list[pl.DataFrame] = []
        self.late: list[tuple[str, str, str, str]] = []
        self.mismatches: list[pl.DataFrame] = []
        self.events: list[pl.DataFrame] = []

    # ------------------------------------------------------------------ helpers
    def _fault_rng(self, feed: str, key: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, 2, FEEDS.index(feed), key])

    def _write(self, rel: str, data: bytes) -> None:
        path = self.landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.summary.files.append("landing/" + rel)

    def _log_faults(self, feed: str, rel: str, df: pl.DataFrame, first_line: int) -> None:
        faults = df["_fault"].to_list()
        for i, fault in enumerate(faults):
            if fault is not None:
                self.fault_log.append((feed, rel, i + first_line, fault))
                self.summary.faults[fault] += 1
        self.summary.rows[feed] += df.height

    def _uscc(self, idx: np.ndarray) -> pl.Series:
        return self.uscc_s.gather(idx)

    def _name(self, idx: np.ndarray) -> pl.Series:
        return self.name_s.gather(idx)

    # ------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        ref = load_reference()
        self.F: Firms = make_firms(
            ref,
            self.n,
            np.random.default_rng([self.seed, 0]),
            self.win_start,
            self.end,
            mu_sd=self.p.mu_sd,
            margin_mu=self.p.margin_mu,
            debt_mu=self.p.debt_mu,
            exit_hazard=self._exit_hazard,
        )
        F, n = self.F, self.n
        self.uscc_s = pl.Series("uscc", F.uscc, dtype=pl.String)
        self.name_s = pl.Series("name", F.name, dtype=pl.String)
        self.uscc_pa = pa.array(F.uscc, type=pa.string())
        self.rank = np.empty(n, dtype=np.int64)  # files are sorted by USCC
        self.rank[np.argsort(np.array(F.uscc, dtype=object), kind="stable")] = np.arange(n)
        self.capital = F.capital.copy()
        self.h = np.zeros(n)
        self.hs = np.zeros(n)  # slow-moving health (headcount follows it)
        self.term_m = np.full(n, NEVER, dtype=np.int64)
        self.term_day = np.ones(n, dtype=np.int64)
        self.term_type = np.zeros(n, dtype=np.int8)  # 1 revocation (吊销), 2 closure (注销)
        self.dormant_m = np.full(n, NEVER, dtype=np.int64)
        self.stop_filer = np.zeros(n, dtype=bool)
        self.wind_m = np.full(n, NEVER, dtype=np.int64)
        self.arrears = np.zeros(n)
        self.arrears_trigger = np.full(n, NEVER, dtype=np.int64)
        self.q_profit = np.zeros(n)
        self.emp_now = F.emp.copy()
        self.ytd = {k: np.zeros(n) for k in ("rev", "out", "profit", "rd")}
        self.yr = {k: np.zeros(n) for k in ("rev", "profit", "vat", "cit", "h", "n")}
        self.prev_yr: dict[str, np.ndarray] | None = None
        self.prev_year = -1
        self.cases = _Cases()
        self.late_plan = self._plan_late_files()
        self.court_seq: dict[tuple[int, str], int] = {}
        self.dept = Departments(self)
        self._initial_dormancy()
        self.truth.mkdir(parents=True, exist_ok=True)
        self.h_writer = pq.ParquetWriter(
            self.truth / "latent_health.parquet",
            pa.schema([("uscc", pa.string()), ("month", pa.date32()), ("h", pa.float32())]),
        )

    def _initial_dormancy(self) -> None:
        """Firms already dormant when the simulation starts (dormancy lasts years, so the
        window opens with a stock of dormant firms, some due for revocation inside it)."""
        p, F, n = self.p, self.F, self.n
        rng = np.random.default_rng([self.seed, 4])
        size_eff = np.array(p.haz_size)[F.size]
        # hazard at the mean health understates the average (convex in h) and firms of the
        # stock are survivors: x3 matches the dormancy rate the simulation then settles at
        rate = 3.0 * (_sigmoid(p.haz_a + size_eff - p.haz_b * F.mu) + p.p0) * _PATH_B[F.size]
        start = np.maximum(F.founded_m + 1, self.sim_start - p.revoke_lag[1])
        months = np.maximum(self.sim_start - start, 0)
        pick = (months > 0) & (rng.random(n) < rate * months) & ~self.dept.shell
        began = start + np.floor(rng.random(n) * months).astype(np.int64)
        term = began + rng.integers(p.revoke_lag[0], p.revoke_lag[1] + 1, n)
        revoked = pick & (rng.random(n) >= p.never_revoked) & (term >= self.win_start)
        self.dormant_m[pick] = began[pick]
        self.stop_filer[pick] = True
        self.term_m[revoked] = term[revoked]
        self.term_type[revoked] = 1
        self.term_day[revoked] = rng.integers(1, 29, int(revoked.sum()))
        self.pre_dormant = np.flatnonzero(pick)

    def _exit_hazard(self, mu: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Monthly probability that a firm with mean health ``mu`` leaves (revoked or closed),
        averaged over its AR(1) deviations (Gauss-Hermite, 5 nodes)."""
        p = self.p
        nodes, weights = np.polynomial.hermite_e.hermegauss(5)
        sd = p.sigma / np.sqrt(1 - p.phi**2)
        size_eff = np.array(p.haz_size)[size]
        onset = sum(
            w * _sigmoid(p.haz_a + size_eff - p.haz_b * (mu + sd * z))
            for z, w in zip(nodes, weights / weights.sum(), strict=True)
        )
        leave = 1.0 - _PATH_A[size]
        return (onset + p.p0) * leave

    # ------------------------------------------------------------------ main loop
    def run(self, progress: bool = True) -> dict:
        for sub in (self.landing, self.truth):
            if sub.exists():
                shutil.rmtree(sub)
        self._setup()
        months = range(self.sim_start, self.end + 1)
        try:
            for ym in tqdm(months, desc="simulating", unit="month", disable=not progress):
                self._step(ym)
        finally:
            self.h_writer.close()
        self._write_truth()
        return self.summary.as_dict()

    def _step(self, ym: int) -> None:
        p, F, rng, n = self.p, self.F, self.rng, self.n
        cal = M.month_of(ym)
        in_win = ym >= self.win_start

        # 1. latent health
        eps = rng.standard_normal(n)
        if ym == self.sim_start:
            self.h = F.mu + p.sigma / np.sqrt(1 - p.phi**2) * eps
            self.hs = self.h.copy()
        else:
            shock = np.zeros(F.n_div)
            hit = rng.random(F.n_div) < p.shock_prob
            shock[hit] = -rng.uniform(p.shock_lo, p.shock_hi, int(hit.sum()))
            drop = rng.random(n) < p.drop_prob
            self.h = (
                F.mu
                + p.phi * (self.h - F.mu)
                + p.sigma * eps
                + shock[F.div_idx]
                - drop * rng.uniform(p.drop_lo, p.drop_hi, n)
            )
            self.hs = 0.8 * self.hs + 0.2 * self.h
        h = self.h

        # 2. who is there
        exists = F.founded_m <= ym
        alive = exists & (self.term_m > ym)
        dormant = alive & (self.dormant_m <= ym)
        winding = alive & (self.wind_m <= ym)
        active = alive & ~dormant

        # 3. activity
        age_m = ym - F.founded_m
        ramp = np.clip(0.3 + 0.7 * age_m / 12.0, 0.3, 1.0)
        dim = M.days_in(ym)
        founded_day = (F.founded - M.day64(ym)).astype(np.int64) + 1
        prorate = np.where(age_m == 0, (dim - founded_day + 1) / dim, 1.0)
        season = _SEASON[cal - 1] * (1.0 - F.cny_dip * M.cny_dip_share(ym))
        trend = np.exp(F.growth * (ym - self.win_start) / 12.0)
        noise = rng.standard_normal((4, n))
        rev = (
            F.revenue
            / 12.0
            * season
            * ramp
            * prorate
            * trend
            * np.exp(p.sales_h * h + p.sales_noise * noise[0])
        )
        shell = self.dept.shell_now(ym)
        rev = np.where(active & ~shell, rev, 0.0) * np.where(winding, 0.4, 1.0)
        margin = np.clip(F.margin + p.margin_h * h + p.margin_noise * noise[1], -0.6, 0.6)
        profit = rev * margin - np.where(dormant, F.revenue * 0.002, 0.0)
        vat = np.where(
            F.general_vat,
            rev * F.vat_rate * F.va_share * np.exp(0.1 * noise[2]),
            np.where(rev > 100_000, rev * 0.01, 0.0),
        )
        self.q_profit += np.where(alive, profit, 0.0)
        if cal % 3 == 0:
            cit = np.maximum(self.q_profit, 0.0) * F.cit_rate * alive
            self.q_profit[:] = 0.0
        else:
            cit = np.zeros(n)

        # 4. tax arrears: more likely and larger when health is low; often start after an onset
        owing = self.arrears > 0
        start = (
            alive
            & ~owing
            & (
                (rng.random(n) < _sigmoid(p.arrears_a - p.arrears_b * h))
                | (self.arrears_trigger == ym)
            )
        )
        amount = (vat + cit + 0.01 * rev + 2_000.0) * rng.uniform(1.0, 3.0, n)
        repay = alive & owing & (rng.random(n) < _sigmoid(p.repay_a + p.repay_b * h))
        grow = alive & owing & ~repay
        add = (rng.random(n) < 0.4) * vat * rng.random(n)
        self.arrears = np.where(start, amount, self.arrears)
        self.arrears = np.where(repay, 0.0, self.arrears)
        self.arrears = np.where(grow, self.arrears * 1.015 + add, self.arrears)

        # 5. headcount
        emp = np.maximum(
            np.round(
                F.emp * np.exp(0.12 * self.hs + 0.03 * noise[3]) * np.sqrt(ramp)
                * np.where(winding, 0.6, 1.0)
            ),
            1.0,
        )  # fmt: skip
        emp = np.where(shell, 0.0, emp)
        self.emp_now = np.where(alive, emp, self.emp_now)

        # 6. year-to-date (stats) and calendar-year (annual report) accumulators
        if cal == 1:
            for v in self.ytd.values():
                v[:] = 0.0
        self.ytd["rev"] += rev * F.stats_factor
        self.ytd["out"] += np.where(F.industrial, rev * F.output_ratio, 0.0)
        self.ytd["profit"] += np.where(alive, profit, 0.0)
        rd = rev * F.rd * np.exp(0.15 * h + 0.1 * noise[3])
        self.ytd["rd"] += rd
        self.yr["rev"] += rev
        self.yr["profit"] += np.where(alive, profit, 0.0)
        self.yr["vat"] += vat
        self.yr["cit"] += cit
        self.yr["h"] += np.where(alive, h, 0.0)
        self.yr["n"] += alive

        # 7. distress onsets (chance, not a rule)
        self._onsets(ym, alive & (self.term_m == NEVER) & (self.dormant_m == NEVER))

        # 8. what the other departments see this month, registry changes, then the month's files
        self.dept.step(ym, h, self.hs, rev, emp, rd, alive, dormant, winding, active, exists)
        if in_win:
            self._registry(ym, exists, alive)
            self._tax(ym, alive, dormant, rev, vat, cit)
            self._stats(ym, active, emp)
            self.dept.write(ym)
            self._truth_health(ym, exists & (self.term_m >= ym))
        self._court_and_credit(ym, in_win)
        if in_win:
            term_now = np.flatnonzero(self.term_m == ym)
            if len(term_now):
                kinds = np.where(self.term_type[term_now] == 1, "revocation", "closure")
                self._event(term_now, kinds, _days(ym, self.term_day[term_now]))

        if cal == 12:
            self.prev_yr = {k: v.copy() for k, v in self.yr.items()}
            self.prev_yr["emp"] = self.emp_now.copy()
            self.prev_year = M.year_of(ym)
            for v in self.yr.values():
                v[:] = 0.0
        if cal == 6 and self.prev_year == M.year_of(ym) - 1:
            year = self.prev_year
            if year * 12 >= self.sim_start and year + 1 >= M.year_of(self.win_start):
                self._annual_report(year)

    # ------------------------------------------------------------------ distress
    def _onsets(self, ym: int, eligible: np.ndarray) -> None:
        p, F, rng, n = self.p, self.F, self.rng, self.n
        h = self.h
        p_h = _sigmoid(p.haz_a + np.array(p.haz_size)[F.size] + p.haz_b * (-h))
        u = rng.random(n)
        onset = eligible & (u < p_h + p.p0)
        warned = u < p_h
        if ym >= self.win_start:
            self.summary.onsets["health_driven"] += int((onset & warned).sum())
            self.summary.onsets["no_warning"] += int((onset & ~warned).sum())
        path_u = rng.random(n)
        # path by size: A litigation, B dormancy then revocation, C wind-down then closure
        pa_, pb_ = _PATH_A, _PATH_B
        path = np.where(path_u < pa_[F.size], 0, np.where(path_u < (pa_ + pb_)[F.size], 1, 2))
        lag_b = rng.integers(p.revoke_lag[0], p.revoke_lag[1] + 1, n)
        lag_c = rng.integers(p.close_lag[0], p.close_lag[1] + 1, n)
        term = np.where(path == 1, ym + lag_b, ym + lag_c)
        # before the window, no firm may leave the population (the registry stock is the start)
        terminal_ok = term >= self.win_start
        b = onset & (path == 1)
        c = onset & (path == 2) & terminal_ok
        never = rng.random(n) < p.never_revoked
        a = onset & (path == 0)
        for mask, kind in ((b & ~never & terminal_ok, 1), (c, 2)):
            idx = np.flatnonzero(mask)
            self.term_m[idx] = term[idx]
            self.term_type[idx] = kind
            self.term_day[idx] = rng.integers(1, 29, len(idx))
        self.dormant_m[b] = ym + 1
        self.stop_filer[b] = True  # a dormant firm files neither tax declarations nor reports
        self.wind_m[c] = ym + 1
        trig = onset & warned & (rng.random(n) < p.arrears_on_onset)
        self.arrears_trigger[trig] = ym + 1
        # litigation: every A onset, and some dormant firms' creditors sue too
        sue = a | (b & (rng.random(n) < 0.3))
        idx = np.flatnonzero(sue)
        k = len(idx)
        if not k:
            return
        h0 = h[idx]
        lag = rng.integers(p.sue_lag[0], p.sue_lag[1] + 1, k)
        file_m = ym + lag
        close_m = file_m + 1 + rng.geometric(_sigmoid(-1.2 + 0.9 * h0).clip(0.05, 0.6))
        listed = rng.random(k) < np.where(warned[idx], _sigmoid(-0.4 - 0.9 * h0), 0.15)
        list_m = np.where(listed, file_m + rng.integers(1, 7, k), NEVER)
        listed &= list_m < close_m
        list_m = np.where(listed, list_m, NEVER)
        removed = listed & (rng.random(k) < 0.35)
        remove_m = np.where(removed, list_m + rng.integers(3, 19, k), NEVER)
        close_m = np.minimum(close_m, remove_m)
        base = np.maximum(F.revenue[idx] / 12.0, 50_000.0)
        amount = np.round(base * rng.lognormal(-0.7, 1.0, k), 2)
        self.cases.add(
            firm=idx,
            file_m=file_m,
            file_d=rng.integers(1, 29, k),
            close_m=close_m,
            close_d=rng.integers(1, 29, k),
            list_m=list_m,
            list_d=rng.integers(1, 29, k),
            remove_m=remove_m,
            remove_d=rng.integers(1, 29, k),
            reason=rng.integers(0, len(DISHONEST_REASONS), k),
            seq=rng.integers(1, 40, k),
            amount=amount,
        )

    def _event(self, idx: np.ndarray, kinds, days: np.ndarray) -> None:
        kinds = np.broadcast_to(np.asarray(kinds, dtype=object), idx.shape)
        frame = pl.DataFrame(
            {
                "uscc": self._uscc(idx),
                "event_type": pl.Series(kinds.tolist(), dtype=pl.String),
                "event_date": pl.Series(days.astype("datetime64[D]")),
            }
        )
        self.events.append(frame)
        for kind, cnt in zip(*np.unique(kinds.astype(str), return_counts=True), strict=True):
            self.summary.events[str(kind)] += int(cnt)

    def _court_and_credit(self, ym: int, in_win: bool) -> None:
        C, F = self.cases, self.F
        if not len(C["firm"]):
            if in_win:
                self._write_court(ym, pl.DataFrame(schema=dict.fromkeys(COURT_COLS, pl.String)))
                self._write_credit(ym, [])
            return
        # cases filed this month (against a firm already deregistered: the suit never happens)
        filing = np.flatnonzero(C["file_m"] == ym)
        gone = (self.term_type[C["firm"][filing]] == 2) & (self.term_m[C["firm"][filing]] <= ym)
        for key in ("file_m", "close_m", "list_m", "remove_m"):
            C[key][filing[gone]] = NEVER
        filing = filing[~gone]
        order = np.lexsort((C["firm"][filing], C["file_d"][filing]))
        filing = filing[order]
        year = M.year_of(ym)
        for i in filing:
            county = F.county[C["firm"][i]]
            key = (year, county)
            seq = self.court_seq.get(key, 0) + int(C["seq"][i])
            self.court_seq[key] = seq
            C.case_no[i] = f"({year})浙{county[2:]}执{seq}号"
        if not in_win:
            return
        if len(filing):
            self._event(C["firm"][filing], "enforcement", _days(ym, C["file_d"][filing]))
        closing = np.flatnonzero(C["close_m"] == ym)
        closing = np.array([i for i in closing if C.case_no[i] is not None], dtype=np.int64)
        rows = []
        for sel, closed in ((filing, False), (closing, True)):
            if not len(sel):
                continue
            firm = C["firm"][sel]
            file_days = np.array(
                [_days(int(m), np.array([d]))[0] for m, d in zip(C["file_m"][sel],
                                                                  C["file_d"][sel], strict=True)]
            ) if closed else _days(ym, C["file_d"][sel])  # fmt: skip
            frame = pl.DataFrame(
                {
                    "案号": pl.Series([C.case_no[i] for i in sel], dtype=pl.String),
                    "被执行人名称": self._name(firm),
                    "被执行人统一社会信用代码": self._uscc(firm),
                    "立案日期": _date_series("d", file_days, "%Y-%m-%d"),
                    "执行标的(元)": C["amount"][sel],
                    "案件状态": "已结案" if closed else "执行中",
                    "结案日期": _date_series("d", _days(ym, C["close_d"][sel]), "%Y-%m-%d")
                    if closed
                    else pl.Series([None] * len(sel), dtype=pl.String),
                    "_date": (_days(ym, C["close_d"][sel]) if closed else file_days).astype(
                        "datetime64[D]"
                    ),
                }
            )
            rows.append(frame)
        court = (
            pl.concat(rows).sort("_date", "案号").drop("_date")
            if rows
            else pl.DataFrame(schema=dict.fromkeys(COURT_COLS, pl.String))
        )
        self._write_court(ym, court)

        # dishonest-debtor listings and removals
        listing = np.flatnonzero(C["list_m"] == ym)
        listing = np.array([i for i in listing if C.case_no[i] is not None], dtype=np.int64)
        # a deregistered (注销) firm is no longer listed
        firms = C["firm"][listing]
        listing = listing[~((self.term_type[firms] == 2) & (self.term_m[firms] <= ym))]
        C["remove_m"][np.setdiff1d(np.flatnonzero(C["list_m"] == ym), listing)] = NEVER
        removing = np.flatnonzero(C["remove_m"] == ym)
        removing = np.array([i for i in removing if C.case_no[i] is not None], dtype=np.int64)
        if len(listing):
            self._event(C["firm"][listing], "dishonest", _days(ym, C["list_d"][listing]))
        objs = []
        for sel, removed in ((listing, False), (removing, True)):
            for i in sel:
                firm = int(C["firm"][i])
                list_day = _days(int(C["list_m"][i]), np.array([C["list_d"][i]]))[0]
                rem_day = _days(ym, np.array([C["remove_d"][i]]))[0] if removed else None
                objs.append(
                    (
                        rem_day if removed else list_day,
                        C.case_no[i],
                        {
                            "案号": C.case_no[i],
                            "失信被执行人名称": F.name[firm],
                            "统一社会信用代码": F.uscc[firm],
                            "列入日期": _cn_date(list_day),
                            "移出日期": _cn_date(rem_day) if removed else None,
                            "失信行为具体情形": DISHONEST_REASONS[int(C["reason"][i])],
                        },
                    )
                )
        objs.sort(key=lambda t: (t[0], t[1]))
        self._write_credit(ym, [o for _, _, o in objs])

    # ------------------------------------------------------------------ feeds
    def _registry(self, ym: int, exists: np.ndarray, alive: np.ndarray) -> None:
        F, rng = self.F, self.rng
        term_now = self.term_m == ym
        if ym == self.win_start:
            idx = np.flatnonzero(exists)
            change = np.where(F.founded_m[idx] == ym, F.founded[idx], M.day64(ym))
        else:
            new = np.flatnonzero((F.founded_m == ym) & ~term_now)
            status = np.flatnonzero(term_now & exists)
            cap_change = alive & ~term_now & (F.founded_m < ym) & (rng.random(self.n) < 0.0015)
            cap = np.flatnonzero(cap_change)
            self.capital[cap] = np.round(self.capital[cap] * rng.uniform(1.5, 5.0, len(cap)), -1)
            cap_days = _days(ym, rng.integers(1, M.days_in(ym) + 1, len(cap)))
            idx = np.concatenate([new, status, cap])
            change = np.concatenate(
                [F.founded[new], _days(ym, self.term_day[status]), cap_days]
            ).astype("datetime64[D]")
        tn = term_now[idx]
        status_txt = np.where(tn, np.where(self.term_type[idx] == 1, "吊销", "注销"), "存续")
        status_day = np.where(tn, _days(ym, self.term_day[idx]), np.datetime64("NaT"))
        change = np.where(tn, status_day, change).astype("datetime64[D]")
        df = pl.DataFrame(
            {
                "统一社会信用代码": self._uscc(idx),
                "企业名称": self._name(idx),
                "企业类型": pl.Series(F.form[idx].tolist(), dtype=pl.String),
                "行业代码": pl.Series(F.class_code[idx].tolist(), dtype=pl.String),
                "住所行政区划代码": pl.Series(F.county[idx].tolist(), dtype=pl.String),
                "注册资本(万元)": self.capital[idx],
                "成立日期": _date_series("d", F.founded[idx], "%Y-%m-%d"),
                "登记状态": pl.Series(status_txt.tolist(), dtype=pl.String),
                "状态变更日期": _date_series("d", status_day, "%Y-%m-%d"),
                "变更日期": _date_series("d", change, "%Y-%m-%d"),
                "_d": change,
            }
        )
        df = df.sort("_d", "统一社会信用代码").drop("_d")
        df = df.with_columns(fixed(pl.col("注册资本(万元)"), 2).alias("注册资本(万元)"))
        df = inject_row_faults(df, self._fault_rng("amr_registry", ym), self.f, "统一社会信用代码")
        rel = f"amr/{M.yyyymm(ym)}/registry_{M.yyyymm(ym)}.csv"
        self._log_faults("amr_registry", rel, df, 2)
        self._write(rel, csv_bytes(df.drop("_fault", "_ocol", "_oval"), bom=True))

    def _plan_late_files(self) -> dict[tuple[str, int], int]:
        """Pick the late files up front: ~late_file_factor x fault rate of the monthly tax and
        stats files (at least one when faults are on), each delivered 1-3 months late."""
        if self.f <= 0:
            return {}
        rng = np.random.default_rng([self.seed, 3])
        eligible = [
            (feed, ym)
            for feed in ("tax_declaration", "stats_industry_monthly")
            for ym in range(self.win_start, self.end)
            if not (feed == "stats_industry_monthly" and M.month_of(ym) == 1)
        ]
        if not eligible:
            return {}
        k = max(1, round(min(1.0, self.f * self.p.late_file_factor) * len(eligible)))
        chosen = sorted(rng.choice(len(eligible), size=min(k, len(eligible)), replace=False))
        plan = {}
        for i in chosen:
            feed, ym = eligible[i]
            plan[(feed, ym)] = ym + int(rng.integers(1, min(3, self.end - ym) + 1))
        return plan

    def _delivery(self, feed: str, ym: int) -> int:
        """Delivery month: the period itself, or 1-3 months later for a late file."""
        return self.late_plan.get((feed, ym), ym)

    def _drop_missing(self, feed: str, ym: int, idx: np.ndarray, rng) -> np.ndarray:
        if self.f <= 0 or not len(idx):
            return idx
        drop = rng.random(len(idx)) < self.f
        if drop.any():
            self.dropped.append(
                pl.DataFrame(
                    {
                        "feed": feed,
                        "period": M.yyyymm(ym),
                        "uscc": self._uscc(idx[drop]),
                    }
                )
            )
            self.summary.faults["missing_row"] += int(drop.sum())
        return idx[~drop]

    def _tax(self, ym, alive, dormant, rev, vat, cit) -> None:
        p, rng, n = self.p, self.rng, self.n
        h = self.h
        skip = rng.random(n) < p.skip_base + p.skip_weak * _sigmoid(-3.0 - 1.5 * h)
        files = alive & ~(dormant & self.stop_filer) & ~skip
        late_decl = rng.random(n) < _sigmoid(-3.0 - 1.0 * h)
        decl_day = np.where(late_decl, rng.integers(16, 29, n), rng.integers(1, 16, n))
        self.dept.note_tax(alive, files, late_decl, rev, self.arrears)
        frng = self._fault_rng("tax_declaration", ym)
        idx = np.flatnonzero(files)
        idx = idx[np.argsort(self.rank[idx], kind="stable")]
        idx = self._drop_missing("tax_declaration", ym, idx, frng)
        period = M.yyyymm(ym)
        df = pl.DataFrame(
            {
                "纳税人识别号": self._uscc(idx),
                "纳税人名称": self._name(idx),
                "税款所属期起": period + "01",
                "税款所属期止": M.last_day(ym).strftime("%Y%m%d"),
                "申报日期": _date_series("d", _days(ym + 1, decl_day[idx]), "%Y%m%d"),
                "销售额(元)": rev[idx],
                "应纳增值税额(元)": vat[idx],
                "已缴企业所得税(元)": cit[idx],
                "欠税余额(元)": self.arrears[idx],
            }
        )
        df = df.with_columns(fixed(pl.col(c), 2, thousands=True).alias(c) for c in TAX_AMOUNTS)
        df = inject_row_faults(df, frng, self.f, "纳税人识别号", TAX_AMOUNTS)
        delivery = self._delivery("tax_declaration", ym)
        rel = f"tax/{M.yyyymm(delivery)}/declaration_{period}.csv"
        if delivery != ym:
            self._late("tax_declaration", rel, ym, delivery)
        self._log_faults("tax_declaration", rel, df, 2)
        text = csv_quoted_amounts(df.drop("_fault", "_ocol", "_oval"), list(TAX_AMOUNTS))
        self._write(rel, text.encode("gbk"))

    def _late(self, feed: str, rel: str, ym: int, delivery: int) -> None:
        self.late.append((feed, rel, M.yyyymm(ym), M.yyyymm(delivery)))
        self.summary.faults["late_file"] += 1

    def _stats(self, ym: int, active: np.ndarray, emp: np.ndarray) -> None:
        if M.month_of(ym) == 1:  # no January report: February covers 1-2月
            return
        F = self.F
        frng = self._fault_rng("stats_industry_monthly", ym)
        idx = np.flatnonzero(active & F.above_scale)
        idx = idx[np.argsort(self.rank[idx], kind="stable")]
        idx = self._drop_missing("stats_industry_monthly", ym, idx, frng)
        year, month = M.year_of(ym), M.month_of(ym)
        label = f"{year}年1-2月" if month == 2 else f"{year}年{month}月"
        df = pl.DataFrame(
            {
                "统一社会信用代码": self._uscc(idx),
                "单位详细名称": self._name(idx),
                "报告期": label,
                "营业收入本年累计(千元)": self.ytd["rev"][idx] / 1000.0,
                "工业总产值本年累计(千元)": np.where(
                    F.industrial[idx], self.ytd["out"][idx] / 1000.0, np.nan
                ),
                "利润总额本年累计(千元)": self.ytd["profit"][idx] / 1000.0,
                "研发费用本年累计(千元)": self.ytd["rd"][idx] / 1000.0,
                "期末从业人数": emp[idx].astype(np.int64),
                "新产品产值本年累计(千元)": np.where(
                    F.industrial[idx], self.dept.ytd["newprod"][idx] / 1000.0, np.nan
                ),
                "综合能源消费量本年累计(吨标准煤)": self.dept.ytd["tce"][idx],
            },
            nan_to_null=True,
        )
        df = df.with_columns(fixed(pl.col(c), 1).alias(c) for c in STATS_COLS[3:7])
        df = df.with_columns(fixed(pl.col(c), 2).alias(c) for c in STATS_COLS[8:])
        df = inject_row_faults(df, frng, self.f, "统一社会信用代码", STATS_AMOUNTS)
        delivery = self._delivery("stats_industry_monthly", ym)
        period = M.yyyymm(ym)
        rel = f"stats/{M.yyyymm(delivery)}/industry_monthly_{period}.csv"
        if delivery != ym:
            self._late("stats_industry_monthly", rel, ym, delivery)
        self._log_faults("stats_industry_monthly", rel, df, 2)
        self._write(rel, csv_bytes(df.drop("_fault", "_ocol", "_oval")))

    def _write_court(self, ym: int, df: pl.DataFrame) -> None:
        frng = self._fault_rng("court_enforcement", ym)
        df = inject_row_faults(df, frng, self.f, "被执行人统一社会信用代码")
        base = f"court/{M.yyyymm(ym)}/enforcement_{M.yyyymm(ym)}"
        self._write_xlsx("court_enforcement", base, "执行案件", df, {"执行标的(元)"}, set())

    def _write_credit(self, ym: int, objs: list[dict]) -> None:
        frng = self._fault_rng("credit_dishonest", ym)
        df = pl.DataFrame(
            {k: pl.Series([o[k] for o in objs], dtype=pl.String) for k in CREDIT_KEYS}
        )
        df = inject_row_faults(df, frng, self.f, "统一社会信用代码")
        rel = f"court/{M.yyyymm(ym)}/dishonest_{M.yyyymm(ym)}.json"
        self._log_faults("credit_dishonest", rel, df, 1)
        items = [
            json.dumps(dict(zip(CREDIT_KEYS, row, strict=True)), ensure_ascii=False)
            for row in df.select(CREDIT_KEYS).iter_rows()
        ]
        text = "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"
        self._write(rel, text.encode("utf-8"))

    def _write_xlsx(
        self,
        feed: str,
        base: str,
        sheet: str,
        df: pl.DataFrame,
        amounts: set[str],
        integers: set[str],
    ) -> None:
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
            self._log_faults(feed, rel, chunk, 2)

    # ------------------------------------------------------------------ annual report
    def _annual_report(self, year: int) -> None:
        p, F, rng, n = self.p, self.F, self.rng, self.n
        prev = self.prev_yr
        assert prev is not None
        existed = F.founded_m <= year * 12 + 11
        h_mean = prev["h"] / np.maximum(prev["n"], 1)
        jan1 = np.datetime64(dt.date(year + 1, 1, 1), "D")
        offset = np.floor(rng.beta(3.0, 1.3, n) * 181).astype(np.int64)
        filed = (jan1 + offset).astype("datetime64[D]")
        filed_m = M.ym_of_days(filed)
        term_day = np.where(
            self.term_m < NEVER, _days_many(self.term_m, self.term_day), np.datetime64("2999-01-01")
        )
        alive_at_filing = term_day.astype("datetime64[D]") > filed
        not_dormant = self.dormant_m > filed_m
        p_skip = 0.05 + 0.05 * (F.size == 3) + 0.3 * _sigmoid(-2.0 - 1.5 * h_mean)
        required = existed & alive_at_filing & (prev["n"] > 0)
        files = required & not_dormant & (rng.random(n) >= p_skip)

        rev = prev["rev"]
        assets = np.maximum(rev * F.asset_ratio, self.capital * 1e4 * rng.uniform(0.2, 1.0, n))
        assets *= np.exp(rng.normal(0, 0.1, n))
        debt_ratio = np.clip(F.debt - p.debt_h * h_mean + rng.normal(0, 0.04, n), 0.02, 1.8)
        liab = assets * debt_ratio
        profit = prev["profit"]
        net = np.where(profit > 0, profit * (1 - F.cit_rate), profit)
        taxes = prev["vat"] + prev["cit"]
        emp = prev["emp"]
        sections = self.dept.report_sections()
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
        frng = self._fault_rng("amr_annual_report", year)
        k = len(idx)
        mis = frng.random(k) < min(1.0, self.f * p.mismatch_factor)
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
            self.mismatches.append(pl.DataFrame(records, schema=MISMATCH_SCHEMA, orient="row"))
            self.summary.faults["report_mismatch"] += len({(r[0], r[1]) for r in records})
        self.dept.after_annual_report(
            year, required, files, h_mean, np.unique(idx[mis]) if k else np.zeros(0, np.int64)
        )

        df = pl.DataFrame(
            {
                "统一社会信用代码": self._uscc(idx),
                "企业名称": self._name(idx),
                "年报年度": np.full(k, year, dtype=np.int64),
                "报送日期": _date_series("d", filed[idx], "%Y-%m-%d"),
                **{
                    c: declared[c].astype(np.int64) if c in REPORT_INTEGERS
                    else pl.Series(declared[c].tolist(), dtype=pl.String)
                    if declared[c].dtype.kind in "OU" else declared[c]
                    for c in REPORT_COLS[4:]
                },
            }
        )  # fmt: skip
        df = inject_row_faults(
            df, frng, self.f, "统一社会信用代码", REPORT_AMOUNTS, amounts_as_text=False, protect=mis
        )
        self._write_xlsx(
            "amr_annual_report",
            f"amr/{year + 1}/annual_report_{year}",
            "年报",
            df,
            set(REPORT_AMOUNTS),
            set(REPORT_INTEGERS),
        )

    # ------------------------------------------------------------------ truth
    def _truth_health(self, ym: int, mask: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        first = np.datetime64(M.first_day(ym), "D")
        table = pa.table(
            {
                "uscc": self.uscc_pa.take(pa.array(idx)),
                "month": pa.array(np.full(len(idx), first), type=pa.date32()),
                "h": pa.array(self.h[idx].astype(np.float32)),
            }
        )
        self.h_writer.write_table(table)

    def _write_truth(self) -> None:
        t = self.truth
        self.F.frame().write_parquet(t / "firms.parquet")
        # dormancy is the onset of the failure that ends in revocation years later: a back-test
        # labels it (also when it began before the window), not the revocation alone
        dormant = np.flatnonzero(self.dormant_m <= self.end)
        dormant = dormant[np.argsort(self.rank[dormant], kind="stable")]
        dormant_from = _days_many(self.dormant_m[dormant], np.ones(len(dormant), np.int64))
        pl.DataFrame(
            {"uscc": self._uscc(dormant), "dormant_from": pl.Series(dormant_from)}
        ).write_csv(t / "dormant_firms.csv")
        self._event(dormant, "dormancy", dormant_from)
        dept = self.dept
        shells = np.flatnonzero(dept.shell_m <= self.end)
        shells = shells[np.argsort(self.rank[shells], kind="stable")]
        shell_from = np.where(
            dept.shell_m[shells] == self.F.founded_m[shells],
            self.F.founded[shells],
            _days_many(dept.shell_m[shells], np.ones(len(shells), np.int64)),
        ).astype("datetime64[D]")
        pl.DataFrame({"uscc": self._uscc(shells), "shell_from": pl.Series(shell_from)}).write_csv(
            t / "shell_firms.csv"
        )
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
        for name in (
            "firms.parquet",
            "latent_health.parquet",
            "distress_events.csv",
            "injected_faults.csv",
            "report_mismatches.csv",
            "missing_rows.csv",
            "late_files.csv",
            "dormant_firms.csv",
            "shell_firms.csv",
        ):
            self.summary.files.append("truth/" + name)
        summary = self.summary.as_dict()
        summary.pop("out_dir")
        (t / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        self.summary.files.append("truth/summary.json")


def _days_many(ym: np.ndarray, day: np.ndarray) -> np.ndarray:
    ym = np.where(ym >= NEVER, 0, ym)
    months = (ym - 1970 * 12).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    return (months.astype("datetime64[D]") + (day - 1)).astype("datetime64[D]")


def _cn_date(day: np.datetime64 | None) -> str | None:
    if day is None:
        return None
    d = day.astype("datetime64[D]").item()
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"
