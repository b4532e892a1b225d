"""The departments beyond the first slice: what each sees of a firm, and the files it exports.

Every proxy is an honest, noisy function of the latent health ``h`` (or its slow part ``hs``):
headcounts and power use follow activity, arrears and overdue loans start by chance (more often
when health is low), weaker firms draw more penalties and wage disputes, healthier and
innovative firms file more patents and win certifications and subsidies. Some firms are simply
absent from a department (insured elsewhere, no own meter, no trade, no loans).

State is held in numpy arrays over firms (or over items: rights, certificates, cases) and is
advanced every simulated month; files are written only for months inside the window. Event
items that are still open when the window starts (listed, valid, unrectified) are delivered in
the first window month, as a department's first export holds its current stock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from simulator import months as M
from simulator.faults import inject_row_faults
from simulator.formats import csv_bytes, csv_quoted_amounts, fixed

if TYPE_CHECKING:  # pragma: no cover
    from simulator.engine import Simulation

NEVER = np.iinfo(np.int64).max // 4

PENALTY_COLS = (
    "行政处罚决定书文号", "当事人名称", "统一社会信用代码", "处罚决定日期", "处罚种类",
    "罚没金额(万元)", "违法行为类型", "公示截止日期",
)  # fmt: skip
ABNORMAL_COLS = (
    "列入决定书文号", "企业名称", "统一社会信用代码", "列入日期", "列入经营异常名录原因",
    "移出日期", "移出经营异常名录原因",
)  # fmt: skip
GRADE_COLS = ("纳税人识别号", "纳税人名称", "评价年度", "信用级别", "发布日期")
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
POWER_COLS = ("户号", "户名", "统一社会信用代码", "电费年月", "用电类别", "用电量(千瓦时)")
CUSTOMS_COLS = (
    "海关编码",
    "统一社会信用代码",
    "企业名称",
    "统计年月",
    "出口额(万元)",
    "进口额(万元)",
)
LOAN_KEYS = (
    "统一社会信用代码", "企业名称", "统计日期", "贷款余额(万元)", "逾期贷款余额(万元)",
    "对外担保余额(万元)", "授信机构数",
)  # fmt: skip
LOAN_AMOUNTS = LOAN_KEYS[3:6]
IP_COLS = (
    "申请号/注册号", "权利人名称", "权利人统一社会信用代码", "类型", "申请日", "授权日", "失效日",
    "法律状态",
)  # fmt: skip
CERT_COLS = (
    "证书编号",
    "企业名称",
    "统一社会信用代码",
    "认定类型",
    "发证日期",
    "有效期至",
    "撤销日期",
)
SUBSIDY_COLS = (
    "拨付单号", "企业名称", "统一社会信用代码", "项目名称", "主管部门", "拨付金额(万元)",
    "拨付日期",
)  # fmt: skip
ENV_KEYS = (
    "处罚决定书文号", "企业名称", "统一社会信用代码", "处罚日期", "违法类型", "罚款金额(元)",
    "整改完成日期",
)  # fmt: skip

PENALTY_TYPES = ("警告", "罚款", "没收违法所得", "责令停产停业", "吊销许可证")
PENALTY_REASONS = (
    "虚假宣传", "销售不合格产品", "无照经营", "食品安全违法", "违反价格管理规定", "商标侵权",
    "未按规定公示信息", "生产不符合安全标准的产品",
)  # fmt: skip
ABNORMAL_REASONS = (
    "未按规定报送年度报告",
    "通过登记的住所无法联系",
    "公示信息隐瞒真实情况",
    "未按规定公示即时信息",
)
REMOVED_REASONS = (
    "补报未报年份年度报告并公示",
    "依法办理住所变更登记或提出通过登记的住所可以重新取得联系",
    "更正其公示的信息",
    "补报未按规定公示的即时信息",
)
RIGHT_TYPES = ("发明专利", "实用新型", "外观设计", "注册商标")
CERT_TYPES = ("高新技术企业", "专精特新中小企业", "科技型中小企业")
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
VIOLATIONS = (
    "超标排放水污染物", "超标排放大气污染物", "未批先建", "未验收先投产", "危险废物贮存不规范",
    "未按规定安装自动监测设备", "噪声超标排放",
)  # fmt: skip
POLLUTING_SECTIONS = ("B", "C", "D", "E")
CONTRIBUTION_RATE = 0.37  # employer + employee shares of the five insurances
TCE_PER_KWH = 0.1229e-3  # tonnes of coal equivalent per kWh (equivalent value)
USD_CNY = 7.1


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _day(m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """datetime64[D] of month index ``m`` and day ``d``; NaT where ``m`` is NEVER."""
    m = np.asarray(m, dtype=np.int64)
    ok = m < NEVER
    months = (np.where(ok, m, 1970 * 12) - 1970 * 12).astype("timedelta64[M]") + np.datetime64(
        "1970-01", "M"
    )
    days = months.astype("datetime64[D]") + (np.asarray(d, dtype=np.int64) - 1)
    return np.where(ok, days, np.datetime64("NaT")).astype("datetime64[D]")


def _dates(days: np.ndarray, fmt: str) -> pl.Series:
    return pl.Series("d", days.astype("datetime64[D]")).dt.strftime(fmt)


def _month_end(ym: int) -> str:
    return M.last_day(ym).isoformat()


class _Items:
    """Event items (penalties, listings, cases, rights, certificates) as growing numpy columns."""

    def __init__(self, *cols: str) -> None:
        self.c: dict[str, np.ndarray] = {k: np.zeros(0, dtype=np.int64) for k in cols}
        self.amount = np.zeros(0)
        self.no = np.zeros(0, dtype=object)

    def __len__(self) -> int:
        return len(self.no)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.c[key]

    def add(self, no: np.ndarray, amount: np.ndarray | None = None, **cols: np.ndarray) -> None:
        k = len(no)
        if not k:
            return
        for key in self.c:
            self.c[key] = np.concatenate([self.c[key], np.asarray(cols[key], dtype=np.int64)])
        self.amount = np.concatenate([self.amount, np.zeros(k) if amount is None else amount])
        self.no = np.concatenate([self.no, np.asarray(no, dtype=object)])


class Departments:
    """Latent-health proxies and landing files of the departments added in the second slice."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        F, n = sim.F, sim.n
        self.rng = rng = np.random.default_rng([sim.seed, 5])
        size = F.size
        industrial = F.industrial
        self.serial: dict[str, int] = {}

        # shell firms: registered, no real activity anywhere (a quarter turn into shells later)
        self.shell = (size == 3) & ~F.above_scale & (rng.random(n) < 0.035)
        later = rng.random(n) < 0.25
        shell_m = np.where(later, rng.integers(sim.win_start - 6, sim.end + 1, n), F.founded_m)
        self.shell_m = np.where(self.shell, np.maximum(shell_m, F.founded_m), NEVER)

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

        # power: 1-3 meter accounts; micro service firms in shared offices have none of their own
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
        self.acc_firm_order = np.lexsort((pos, sim.rank[self.acc_firm]))
        self.kwh_int = np.where(
            industrial, rng.lognormal(np.log(0.08), 0.6, n), rng.lognormal(np.log(0.015), 0.6, n)
        )
        self.fuel = np.where(industrial, rng.lognormal(np.log(2.0), 0.5, n), 1.05)

        # customs: only trading firms; small ones trade irregularly
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

        # loans (金融办): borrowers, their lines, guarantees they give
        self.borrower = rng.random(n) < np.array([0.9, 0.75, 0.45, 0.15])[size]
        self.loan_target = F.revenue * rng.lognormal(np.log(0.3), 0.6, n) * self.borrower
        self.loans = self.loan_target * rng.lognormal(0, 0.1, n)
        self.lenders = 1 + rng.poisson(np.array([4.0, 2.0, 0.8, 0.2])[size])
        guarantor = self.borrower & (rng.random(n) < 0.5 * _sigmoid(-0.6 * F.mu))
        self.guarantee = F.revenue * rng.lognormal(np.log(0.15), 0.7, n) * guarantor
        self.od_owing = np.zeros(n, dtype=bool)
        self.od_share = np.zeros(n)
        self.od_trigger = np.full(n, NEVER, dtype=np.int64)

        # annual-report-only attributes
        self.website = rng.random(n) < np.array([0.9, 0.7, 0.35, 0.12])[size]
        self.foreign = rng.random(n) < np.array([0.12, 0.08, 0.03, 0.01])[size] * (1 + self.trader)
        full = rng.random(n) < np.array([0.8, 0.6, 0.35, 0.2])[size] * (0.6 + 0.8 * _sigmoid(F.mu))
        self.paid_share = np.where(full, 1.0, np.round(rng.uniform(0.0, 0.9, n), 2))
        self.newprod_share = np.where(industrial & (F.rd > 0), rng.uniform(0.05, 0.5, n), 0.0)

        # penalties, disputes, patents, certificates
        self.sec_risk = np.where(np.isin(F.section, ("C", "E", "F", "G", "H")), 1.5, 1.0)
        self.polluter = np.isin(F.section, POLLUTING_SECTIONS)
        self.penalties = _Items("firm", "m", "d", "kind", "reason", "until_m", "until_d", "close_m")
        self.abnormal = _Items("firm", "m", "d", "reason", "close_m", "close_d")
        self.disputes = _Items("firm", "m", "d", "workers", "close_m", "close_d")
        self.env = _Items("firm", "m", "d", "kind", "close_m", "close_d")
        self.rights = _Items("firm", "type", "m", "d", "grant_m", "grant_d", "close_m", "close_d")
        self.certs = _Items("firm", "type", "m", "d", "exp_m", "exp_d", "close_m", "close_d")
        self.subsidies: list[pl.DataFrame] = []

        # accumulators: calendar year (annual report, tax credit grade) and year-to-date (stats)
        self.yr = {
            k: np.zeros(n)
            for k in ("base", "paid", "export", "import", "rd", "kwh", "g_months", "g_filed",
                      "g_late", "g_arrears", "g_h", "g_sales")
        }  # fmt: skip
        self.ytd = {"newprod": np.zeros(n), "tce": np.zeros(n)}
        self.prev: dict[str, np.ndarray] | None = None
        self.prev_year = -1
        self.month: dict[str, np.ndarray] = {}
        self._initial_stock()

    # ------------------------------------------------------------------ helpers
    def _ids(self, key: str, k: int) -> np.ndarray:
        start = self.serial.get(key, 0)
        self.serial[key] = start + k
        return np.arange(start + 1, start + k + 1)

    def _fault_rng(self, feed: str, key: int) -> np.random.Generator:
        return self.sim._fault_rng(feed, key)

    def shell_now(self, ym: int) -> np.ndarray:
        return self.shell_m <= ym

    def _initial_stock(self) -> None:
        """Patents and certificates held before the simulation starts (the stock at its start)."""
        sim, F, rng, n = self.sim, self.sim.F, self.rng, self.sim.n
        t0 = sim.sim_start
        lam_p, lam_t = self._right_rates(F.mu)
        hist = 96
        for kind, lam in (("p", lam_p), ("t", lam_t)):
            cnt = rng.poisson(lam * hist * ~self.shell)
            firm = np.repeat(np.arange(n), cnt)
            app_m = t0 - 1 - rng.integers(0, hist, len(firm))
            ok = app_m > F.founded_m[firm]
            self._add_rights(firm[ok], app_m[ok], kind)
        sy = M.year_of(t0)
        eligible = (F.rd >= 0.02) & ~self.shell & (F.founded_m < t0 - 24)
        p = np.clip(2.5 * _sigmoid(-1.5 + 1.0 * F.mu), 0, 0.8)
        ht = np.flatnonzero(eligible & (rng.random(n) < p))
        year = sy - rng.integers(1, 4, len(ht))
        self._add_certs(ht, 0, year * 12 + 11, rng.integers(1, 21, len(ht)), 36)

    # ------------------------------------------------------------------ monthly state
    def step(
        self,
        ym: int,
        h: np.ndarray,
        hs: np.ndarray,
        rev: np.ndarray,
        emp: np.ndarray,
        rd: np.ndarray,
        alive: np.ndarray,
        dormant: np.ndarray,
        winding: np.ndarray,
        active: np.ndarray,
        exists: np.ndarray,
    ) -> None:
        sim, F, rng, n = self.sim, self.sim.F, self.rng, self.sim.n
        cal = M.month_of(ym)
        shell = self.shell_now(ym)
        live = alive & ~shell
        working = active & ~shell
        noise = rng.standard_normal((6, n))
        distress_m = np.minimum(sim.dormant_m, sim.wind_m)
        newly = (distress_m == ym) | (sim.term_m == ym)

        # social insurance: coverage follows slow health; dormant firms have laid their staff off
        cover = np.clip(F.coverage + 0.04 * hs + 0.02 * noise[0], 0.02, 1.0)
        pension = np.floor(emp * cover) * working
        others = np.floor(pension[None, :] * self.ratio)
        base = pension * self.wage * np.exp(0.03 * h)
        due = base * CONTRIBUTION_RATE
        trig = newly & (rng.random(n) < 0.5)
        self.si_trigger[trig] = ym + rng.integers(0, 3, int(trig.sum()))
        start = (
            live & ~self.si_owing & (pension > 0)
            & ((rng.random(n) < _sigmoid(-5.6 - 1.5 * h)) | (self.si_trigger == ym))
        )  # fmt: skip
        self.si_owing |= start
        cure = self.si_owing & working & (rng.random(n) < _sigmoid(-1.8 + 0.8 * h))
        part = rng.uniform(0.0, 0.6, n)
        paid = np.where(self.si_owing & ~cure, due * part, due + np.where(cure, self.si_balance, 0))
        self.si_balance = np.where(cure, 0.0, self.si_balance + np.maximum(due - paid, 0.0))
        self.si_owing &= ~cure
        self.si_owing &= alive
        paid = np.round(paid * live, 2)
        hrss_row = live & ~self.hrss_absent & ((pension > 0) | (self.si_balance > 0))

        # power: follows sales with its own noise; a dormant firm only keeps the lights on
        standby = F.revenue / 12.0 * self.kwh_int * 0.02 * rng.random(n)
        kwh = np.where(
            dormant, standby, rev * self.kwh_int * np.exp(0.12 * noise[1])
        ) * live  # fmt: skip

        # customs: exports and imports in the months the firm ships
        ships = working & self.trader & (rng.random(n) < self.p_trade)
        export = np.round(
            rev * self.export_share / self.p_trade * np.exp(0.3 * noise[2]) * ships, -2
        )
        imp = np.round(rev * self.import_share / self.p_trade * np.exp(0.3 * noise[3]) * ships, -2)

        # loans: lines roll over while the firm works; overdue starts by chance, or after distress
        roll = working & ~winding
        target = self.loan_target * np.exp(-0.1 * (h - F.mu))
        self.loans = np.where(
            roll, 0.92 * self.loans + 0.08 * target * np.exp(0.1 * noise[4]), self.loans
        )
        self.loans = np.where(winding, 0.95 * self.loans, self.loans) * self.borrower
        trig = newly & self.borrower & (rng.random(n) < 0.6)
        self.od_trigger[trig] = ym + rng.integers(0, 4, int(trig.sum()))
        od_start = (
            live & self.borrower & ~self.od_owing
            & ((rng.random(n) < _sigmoid(-6.4 - 1.5 * h)) | (self.od_trigger == ym)
               | (dormant & (rng.random(n) < 0.15)))
        )  # fmt: skip
        self.od_share = np.where(
            od_start,
            rng.uniform(0.05, 0.3, n),
            np.minimum(self.od_share + self.od_owing * rng.uniform(0, 0.08, n), 1.0),
        )
        self.od_owing |= od_start
        od_cure = self.od_owing & working & (rng.random(n) < _sigmoid(-2.2 + 0.9 * h))
        self.od_owing &= ~od_cure
        overdue = np.where(self.od_owing, self.loans * self.od_share, 0.0)
        loan_row = live & self.borrower & (self.loans > 1.0)

        # year-to-date and calendar-year accumulators
        if cal == 1:
            for v in self.ytd.values():
                v[:] = 0.0
        self.ytd["newprod"] += np.where(
            F.industrial, rev * F.output_ratio * self.newprod_share * np.exp(0.2 * h), 0.0
        )
        self.ytd["tce"] += kwh * TCE_PER_KWH * self.fuel
        yr = self.yr
        yr["base"] += base * ~self.hrss_absent
        yr["paid"] += paid * ~self.hrss_absent
        yr["export"] += export
        yr["import"] += imp
        yr["rd"] += rd
        yr["kwh"] += kwh
        yr["g_h"] += np.where(alive, h, 0.0)
        self.month = {
            "pension": pension,
            "others": others,
            "base": base,
            "due": due,
            "paid": paid,
            "hrss_row": hrss_row,
            "kwh": kwh,
            "export": export,
            "import": imp,
            "overdue": overdue,
            "loan_row": loan_row,
        }

        # events
        self._events(ym, h, emp, alive, dormant, working, live, newly, distress_m)
        if cal == 12:
            self.prev = {k: v.copy() for k, v in yr.items()}
            self.prev.update(
                pension=pension.copy(),
                others=others.copy(),
                si_arrears=self.si_balance.copy(),
                guarantee=self.guarantee * loan_row,
                alive=alive.copy(),
            )
            self.prev_year = M.year_of(ym)
            for v in yr.values():
                v[:] = 0.0

    def note_tax(self, alive: np.ndarray, files: np.ndarray, late: np.ndarray, sales, arrears):
        """Accumulate what the tax bureau's yearly credit assessment looks at."""
        yr = self.yr
        yr["g_months"] += alive
        yr["g_filed"] += files
        yr["g_late"] += files & late
        yr["g_arrears"] += alive & (arrears > 0)
        yr["g_sales"] += sales * files

    # ------------------------------------------------------------------ events
    def _right_rates(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        F = self.sim.F
        base = np.array([1.2, 0.3, 0.06, 0.012])[F.size]
        lam_p = base * np.exp(0.5 * h) * np.where(F.rd > 0, 1.0, 0.03)
        lam_t = np.array([0.1, 0.03, 0.008, 0.002])[F.size] * np.exp(0.3 * h)
        return lam_p, lam_t

    def _add_rights(self, firm: np.ndarray, app_m: np.ndarray, kind: str) -> None:
        rng, F = self.rng, self.sim.F
        k = len(firm)
        if not k:
            return
        if kind == "t":
            t = np.full(k, 3)
        else:
            u = rng.random(k)
            ind = F.industrial[firm]
            t = np.where(
                ind,
                np.where(u < 0.3, 0, np.where(u < 0.8, 1, 2)),
                np.where(u < 0.35, 0, np.where(u < 0.65, 1, 2)),
            )
        lo = np.array([18, 5, 3, 8])[t]
        hi = np.array([36, 12, 8, 14])[t]
        lag = lo + (rng.random(k) * (hi - lo + 1)).astype(np.int64)
        granted = rng.random(k) < np.array([0.55, 0.92, 0.95, 0.8])[t]
        grant_m = np.where(granted, app_m + lag, NEVER)
        # a refused application lapses when refused; a granted right by unpaid annuity, later
        annuity = np.where(t == 3, 0.001, 0.004)
        life = rng.geometric(annuity)
        close_m = np.where(granted, app_m + lag + life, app_m + lag)
        seq = self._ids("right", k)
        year = app_m // 12
        digit = np.array(["1", "2", "3", ""])[t]
        no = np.where(
            t == 3,
            np.char.add("", (60_000_000 + seq).astype(str)),
            np.char.add(
                np.char.add(
                    np.char.add(year.astype(str), digit), np.char.zfill(seq.astype(str), 7)
                ),
                np.char.add(".", (seq % 10).astype(str)),
            ),
        )
        self.rights.add(
            no,
            firm=firm,
            type=t,
            m=app_m,
            d=rng.integers(1, 29, k),
            grant_m=grant_m,
            grant_d=rng.integers(1, 29, k),
            close_m=close_m,
            close_d=rng.integers(1, 29, k),
        )

    def _add_certs(self, firm, ctype: int, issue_m, issue_d, valid_months: int) -> None:
        k = len(firm)
        if not k:
            return
        seq = self._ids(f"cert{ctype}", k)
        year = (np.asarray(issue_m) // 12).astype(str)
        prefix = ("GR", "ZJTX", "KJXZ")[ctype]
        no = np.char.add(
            np.char.add(np.char.add(prefix, year), "33"), np.char.zfill(seq.astype(str), 6)
        )
        issue_m = np.broadcast_to(np.asarray(issue_m, dtype=np.int64), (k,))
        if valid_months == 0:  # valid to the end of the issuing year
            exp_m = (issue_m // 12) * 12 + 11
            exp_d = np.full(k, 31)
        else:
            exp_m = issue_m + valid_months
            exp_d = np.asarray(issue_d) - 1
            exp_m = np.where(exp_d == 0, exp_m - 1, exp_m)
            exp_d = np.where(exp_d == 0, 28, exp_d)
        self.certs.add(
            no,
            firm=firm,
            type=np.full(k, ctype),
            m=issue_m,
            d=issue_d,
            exp_m=exp_m,
            exp_d=exp_d,
            close_m=np.full(k, NEVER),
            close_d=np.ones(k, dtype=np.int64),
        )

    def _events(self, ym, h, emp, alive, dormant, working, live, newly, distress_m) -> None:
        sim, F, rng, n = self.sim, self.sim.F, self.rng, self.sim.n
        size = F.size
        cal = M.month_of(ym)
        year = M.year_of(ym)

        # administrative penalties: weaker firms, riskier trades
        lam = (
            np.array([0.004, 0.003, 0.0015, 0.0008])[size] * self.sec_risk * np.exp(-0.5 * h)
            * np.where(dormant, 0.3, 1.0) * live
        )  # fmt: skip
        idx = np.flatnonzero(rng.random(n) < lam)
        k = len(idx)
        if k:
            u = rng.random(k)
            kind = np.searchsorted(np.cumsum([0.15, 0.70, 0.10, 0.03, 0.02]), u * 0.9999)
            scale = np.array([5.0, 2.0, 1.0, 0.6])[size[idx]]
            amount = np.where(
                kind == 0,
                np.nan,
                np.round(rng.lognormal(np.log(1.5), 1.0, k) * scale * np.where(kind >= 3, 3, 1), 2),
            )
            months = np.where((kind == 0) | (amount < 1.0), 3, np.where(kind >= 3, 36, 12))
            d = rng.integers(1, 29, k)
            self.penalties.add(
                self._ids(f"pen{year}", k).astype(str),
                amount=amount,
                firm=idx,
                m=np.full(k, ym),
                d=d,
                kind=kind,
                reason=rng.integers(0, len(PENALTY_REASONS), k),
                until_m=ym + months,
                until_d=d,
                close_m=np.full(k, NEVER),
            )

        # environmental penalties: polluting sections only; the strong rectify, the weak may not
        lam = np.array([0.01, 0.006, 0.003, 0.001])[size] * np.exp(-0.5 * h) * self.polluter
        idx = np.flatnonzero(rng.random(n) < lam * working)
        k = len(idx)
        if k:
            fixes = rng.random(k) < _sigmoid(1.2 + 0.8 * h[idx])
            amount = np.round(
                rng.lognormal(np.log(1e5), 0.8, k) * np.array([2.0, 1.2, 0.8, 0.5])[size[idx]], -3
            )
            self.env.add(
                self._ids(f"env{year}", k).astype(str),
                amount=np.maximum(amount, 10_000.0),
                firm=idx,
                m=np.full(k, ym),
                d=rng.integers(1, 29, k),
                kind=rng.integers(0, len(VIOLATIONS), k),
                close_m=np.where(fixes, ym + rng.integers(1, 10, k), NEVER),
                close_d=rng.integers(1, 29, k),
            )

        # labour disputes and unpaid wages: more when weak, a burst right after distress starts
        recent = (ym - distress_m >= 0) & (ym - distress_m <= 4)
        lam = np.array([4.0, 2.5, 1.2, 0.5])[size] * (
            0.002 * np.exp(-0.9 * h) + 0.12 * recent
        ) * live  # fmt: skip
        idx = np.flatnonzero(rng.random(n) < lam)
        k = len(idx)
        if k:
            workers = 1 + rng.poisson(np.minimum(emp[idx], 200) * 0.03 * (1 + 2 * recent[idx]))
            amount = np.round(workers * self.wage[idx] * rng.uniform(1.0, 4.0, k), 2)
            closes = rng.random(k) < 0.85
            self.disputes.add(
                self._ids(f"wage{year}", k).astype(str),
                amount=amount,
                firm=idx,
                m=np.full(k, ym),
                d=rng.integers(1, 29, k),
                workers=workers,
                close_m=np.where(closes, ym + rng.integers(1, 7, k), NEVER),
                close_d=rng.integers(1, 29, k),
            )

        # patents and trademarks: innovative and healthy firms file more
        lam_p, lam_t = self._right_rates(h)
        for kind, lam in (("p", lam_p), ("t", lam_t)):
            cnt = rng.poisson(lam * working)
            self._add_rights(np.repeat(np.arange(n), cnt), np.full(int(cnt.sum()), ym), kind)

        # certifications, in yearly batches
        r = self.rights
        valid = (r["grant_m"] <= ym) & (r["close_m"] > ym)
        n_rights = np.bincount(r["firm"][valid], minlength=n)
        c = self.certs
        held = np.zeros((3, n), dtype=bool)
        ok = (c["m"] <= ym) & (c["exp_m"] > ym) & (c["close_m"] > ym)
        held[c["type"][ok], c["firm"][ok]] = True
        old = F.founded_m < ym - 12
        if cal == 12:
            elig = working & old & (F.rd >= 0.02) & ~held[0] & ((n_rights > 0) | (size <= 1))
            p = 0.5 * _sigmoid(-1.5 + 1.0 * h + 0.3 * np.log1p(n_rights))
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 0, ym, rng.integers(1, 21, len(idx)), 36)
        if cal == 7:
            elig = working & old & F.industrial & np.isin(size, (1, 2)) & (F.rd > 0) & ~held[1]
            p = _sigmoid(-3.5 + 1.2 * h + 0.4 * np.log1p(n_rights))
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 1, ym, rng.integers(1, 29, len(idx)), 36)
        if cal == 5:
            elig = working & np.isin(size, (2, 3)) & (F.rd > 0)
            p = _sigmoid(-0.8 + 0.8 * h)
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 2, ym, rng.integers(1, 29, len(idx)), 0)

        # subsidies: certified, trading and healthy firms are paid more often; June and December
        season = {1: 0.4, 2: 0.4, 6: 1.8, 12: 2.5}.get(cal, 0.8)
        lam = (
            np.array([0.06, 0.03, 0.01, 0.002])[size] * (1 + 1.5 * held.any(axis=0))
            * (1 + 0.5 * self.trader) * np.exp(0.4 * h) * season * working
        )  # fmt: skip
        idx = np.flatnonzero(rng.random(n) < lam)
        k = len(idx)
        if k:
            w = np.ones((k, len(PROGRAMMES)))
            w[:, 1] *= 1 + 6 * held[0, idx]
            w[:, 2] *= 1 + 3 * (F.rd[idx] > 0)
            w[:, 3] *= 1 + 6 * held[1, idx]
            w[:, 4] *= 0.1 + 6 * self.trader[idx]
            w[:, 0] *= 0.2 + 3 * F.industrial[idx]
            w[:, 6] *= 0.2 + 2 * F.industrial[idx]
            w[:, 7] *= 0.1 + 2 * (size[idx] <= 1)
            cum = np.cumsum(w, axis=1)
            prog = (rng.random(k)[:, None] * cum[:, -1:] > cum).sum(axis=1)
            amount = np.round(rng.lognormal(np.log([80.0, 25.0, 8.0, 3.0])[size[idx]], 0.8), 2)
            seq = self._ids(f"sub{year}", k)
            order = np.argsort(sim.rank[idx], kind="stable")
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

        # abnormal-operation list: firms that cannot be reached, shells, unpublished changes
        reach = newly & (sim.dormant_m == ym) & (rng.random(n) < 0.4)
        reach |= self.shell_now(ym) & alive & (rng.random(n) < 0.002)
        idx = np.flatnonzero(reach)
        self._list(idx, ym + rng.integers(3, 10, len(idx)), 1, np.full(len(idx), NEVER))
        inst = np.flatnonzero(live & (rng.random(n) < 0.0002))
        back = rng.random(len(inst)) < 0.7
        lm = np.full(len(inst), ym)
        self._list(inst, lm, 3, np.where(back, lm + rng.integers(1, 7, len(inst)), NEVER))

        # distress: rights lapse unpaid, certificates are withdrawn, pending fixes never come
        gone = np.flatnonzero(newly)
        if len(gone):
            hit = np.isin(r["firm"], gone) & (r["close_m"] > ym + 6)
            lapse = ym + rng.integers(6, 19, int(hit.sum()))
            r.c["close_m"][hit] = lapse
            r.c["grant_m"][hit] = np.where(r["grant_m"][hit] < lapse, r["grant_m"][hit], NEVER)
            hit = np.isin(c["firm"], gone) & (c["close_m"] == NEVER) & (c["exp_m"] > ym)
            hit &= rng.random(len(hit)) < 0.6
            c.c["close_m"][hit] = ym + rng.integers(1, 7, int(hit.sum()))
            c.c["close_m"][hit] = np.minimum(c["close_m"][hit], c["exp_m"][hit])
            for items in (self.env, self.disputes):
                hit = (
                    np.isin(items["firm"], gone)
                    & (items["close_m"] > ym)
                    & (items["close_m"] < NEVER)
                )
                hit &= rng.random(len(hit)) < 0.7
                items.c["close_m"][hit] = NEVER

    def _list(self, firm, listed_m, reason: int, removed_m) -> None:
        k = len(firm)
        if not k:
            return
        rng = self.rng
        seq = self._ids("abn", k)
        self.abnormal.add(
            seq.astype(str),
            firm=firm,
            m=listed_m,
            d=rng.integers(1, 29, k),
            reason=np.full(k, reason),
            close_m=removed_m,
            close_d=rng.integers(1, 29, k),
        )

    def after_annual_report(self, year: int, required: np.ndarray, files: np.ndarray, h_mean,
                            mismatch_firms: np.ndarray) -> None:  # fmt: skip
        """List the firms that did not report by 30 June; remove those that file later."""
        sim, rng = self.sim, self.rng
        july = (year + 1) * 12 + 6
        late = np.flatnonzero(required & ~files)
        k = len(late)
        listed_m = july + rng.choice(3, k, p=[0.7, 0.2, 0.1])
        dormant = sim.dormant_m[late] <= listed_m
        files_later = ~dormant & (rng.random(k) < 0.8 * _sigmoid(0.5 + 1.0 * h_mean[late]))
        self._list(
            late, listed_m, 0, np.where(files_later, listed_m + rng.integers(1, 13, k), NEVER)
        )
        # reports found to hide the truth (some of the misreporting firms are caught)
        caught = mismatch_firms[rng.random(len(mismatch_firms)) < 0.15]
        k = len(caught)
        lm = july + rng.integers(0, 6, k)
        fixed_ = rng.random(k) < 0.5
        self._list(caught, lm, 2, np.where(fixed_, lm + rng.integers(3, 13, k), NEVER))

    # ------------------------------------------------------------------ annual report sections
    def report_sections(self) -> dict[str, np.ndarray]:
        """The 多报合一 sections of last year's annual report, as the departments carry them."""
        F, prev = self.sim.F, self.prev
        assert prev is not None
        wan = 1e4
        others = prev["others"]
        return {
            "认缴出资额(万元)": self.sim.capital.copy(),
            "实缴出资额(万元)": np.round(self.sim.capital * self.paid_share, 2),
            "对外提供保证担保金额(万元)": np.round(prev["guarantee"] / wan, 2),
            "是否有网站或网店": np.where(self.website, "是", "否"),
            "养老保险参保人数": prev["pension"],
            "失业保险参保人数": others[0],
            "医疗保险参保人数": others[1],
            "工伤保险参保人数": others[2],
            "生育保险参保人数": others[3],
            "单位缴费基数(万元)": np.round(prev["base"] / wan, 2),
            "本期实际缴费金额(万元)": np.round(prev["paid"] / wan, 2),
            "单位累计欠缴金额(万元)": np.round(prev["si_arrears"] / wan, 2),
            "出口额(万元)": np.round(prev["export"] / wan, 2),
            "进口额(万元)": np.round(prev["import"] / wan, 2),
            "研发费用(万元)": np.round(prev["rd"] / wan, 2),
            "综合能源消费量(吨标准煤)": np.round(prev["kwh"] * TCE_PER_KWH * self.fuel, 2),
            "是否外商投资企业": np.where(self.foreign, "是", "否"),
            "经常项目外汇收入(万美元)": np.round(
                prev["export"] / USD_CNY / wan * np.where(F.industrial, 1.0, 1.05), 2
            ),
        }

    # ------------------------------------------------------------------ files
    def write(self, ym: int) -> None:
        first = ym == self.sim.win_start
        self._write_penalty(ym, first)
        self._write_abnormal(ym, first)
        if M.month_of(ym) == 4 and self.prev is not None and self.prev_year == M.year_of(ym) - 1:
            self._write_grade(ym)
        self._write_insured(ym)
        self._write_disputes(ym, first)
        self._write_power(ym)
        self._write_customs(ym)
        self._write_loans(ym)
        self._write_rights(ym, first)
        self._write_certs(ym, first)
        self._write_subsidies(ym)
        self._write_env(ym, first)

    def _emit_csv(self, feed, rel, df, uscc_col, amounts=(), encoding="utf-8", bom=False,
                  quoted: tuple[str, ...] = ()) -> None:  # fmt: skip
        df = inject_row_faults(df, self._fault_rng(feed, self._key(rel)), self.sim.f, uscc_col,
                               amounts)  # fmt: skip
        self.sim._log_faults(feed, rel, df, 2)
        body = df.drop("_fault", "_ocol", "_oval")
        if quoted:
            data = csv_quoted_amounts(body, list(quoted)).encode(encoding)
            data = (b"\xef\xbb\xbf" + data) if bom else data
        elif encoding == "utf-8":
            data = csv_bytes(body, bom=bom)
        else:
            data = body.write_csv(quote_style="necessary", null_value="").encode(encoding)
        self.sim._write(rel, data)

    def _emit_json(self, feed, rel, df, uscc_col, amounts=()) -> None:
        df = inject_row_faults(df, self._fault_rng(feed, self._key(rel)), self.sim.f, uscc_col,
                               amounts)  # fmt: skip
        self.sim._log_faults(feed, rel, df, 1)
        keys = [c for c in df.columns if not c.startswith("_")]
        text = df.select(keys).write_json() if df.height else "[]"
        self.sim._write(rel, (text + "\n").encode("utf-8"))

    def _emit_xlsx(self, feed, base, sheet, df, uscc_col, amounts, integers) -> None:
        df = inject_row_faults(df, self._fault_rng(feed, self._key(base)), self.sim.f, uscc_col,
                               tuple(amounts), amounts_as_text=False)  # fmt: skip
        self.sim._write_xlsx(feed, base, sheet, df, set(amounts), set(integers))

    @staticmethod
    def _key(rel: str) -> int:
        digits = "".join(ch for ch in rel.rsplit("/", 1)[-1] if ch.isdigit())
        return int(digits or 0)

    def _open_close(self, items: _Items, ym: int, first: bool, until=None):
        """Indices of items opened this month, closed this month, and (first month) the stock."""
        opened = np.flatnonzero(items["m"] == ym)
        closed = np.flatnonzero(items["close_m"] == ym)
        if first and len(items):
            still = (items["m"] < ym) & (items["close_m"] >= ym)
            if until is not None:
                still &= until >= ym
            opened = np.concatenate([np.flatnonzero(still), opened])
        # a deregistered (注销) firm is gone from every department
        sim = self.sim
        for_sel = []
        for sel in (opened, closed):
            f = items["firm"][sel]
            for_sel.append(sel[~((sim.term_type[f] == 2) & (sim.term_m[f] < ym))])
        return for_sel[0], for_sel[1]

    def _base(self, idx: np.ndarray, name_col: str, uscc_col: str) -> dict:
        return {name_col: self.sim._name(idx), uscc_col: self.sim._uscc(idx)}

    def _write_penalty(self, ym: int, first: bool) -> None:
        p = self.penalties
        until = p["until_m"] if len(p) else None
        sel, _ = self._open_close(p, ym, first, until)
        sel = sel[np.lexsort((p["firm"][sel], p["d"][sel], p["m"][sel]))]
        f = p["firm"][sel]
        year = p["m"][sel] // 12
        county = self.sim.F.county[f] if len(f) else np.zeros(0, dtype=object)
        df = pl.DataFrame(
            {
                "行政处罚决定书文号": [
                    f"浙{c[:4]}市监处罚〔{y}〕{s}号"
                    for c, y, s in zip(county, year, p.no[sel], strict=True)
                ],
                **self._base(f, "当事人名称", "统一社会信用代码"),
                "处罚决定日期": _dates(_day(p["m"][sel], p["d"][sel]), "%Y-%m-%d"),
                "处罚种类": [PENALTY_TYPES[i] for i in p["kind"][sel]],
                "罚没金额(万元)": p.amount[sel],
                "违法行为类型": [PENALTY_REASONS[i] for i in p["reason"][sel]],
                "公示截止日期": _dates(_day(p["until_m"][sel], p["until_d"][sel]), "%Y-%m-%d"),
            },
            schema_overrides={
                "行政处罚决定书文号": pl.String,
                "处罚种类": pl.String,
                "违法行为类型": pl.String,
            },  # fmt: skip
            nan_to_null=True,
        ).with_columns(fixed(pl.col("罚没金额(万元)"), 2).alias("罚没金额(万元)"))
        rel = f"amr/{M.yyyymm(ym)}/penalty_{M.yyyymm(ym)}.csv"
        self._emit_csv("amr_penalty", rel, df, "统一社会信用代码", ("罚没金额(万元)",), bom=True)

    def _write_abnormal(self, ym: int, first: bool) -> None:
        a = self.abnormal
        opened, closed = self._open_close(a, ym, first)
        frames = []
        for sel, removal in ((opened, False), (closed, True)):
            f = a["firm"][sel]
            year = a["m"][sel] // 12
            county = self.sim.F.county[f] if len(f) else np.zeros(0, dtype=object)
            reason = a["reason"][sel]
            frames.append(
                pl.DataFrame(
                    {
                        "列入决定书文号": [
                            f"浙{c[:4]}市监异列〔{y}〕{s}号"
                            for c, y, s in zip(county, year, a.no[sel], strict=True)
                        ],
                        **self._base(f, "企业名称", "统一社会信用代码"),
                        "列入日期": _dates(_day(a["m"][sel], a["d"][sel]), "%Y%m%d"),
                        "列入经营异常名录原因": [ABNORMAL_REASONS[i] for i in reason],
                        "移出日期": _dates(_day(a["close_m"][sel], a["close_d"][sel]), "%Y%m%d")
                        if removal
                        else pl.Series([None] * len(sel), dtype=pl.String),
                        "移出经营异常名录原因": [
                            REMOVED_REASONS[i] if removal else None for i in reason
                        ],
                        "_s": _day(a["close_m"][sel], a["close_d"][sel])
                        if removal
                        else _day(a["m"][sel], a["d"][sel]),
                    },
                    schema_overrides={
                        "列入决定书文号": pl.String,
                        "列入经营异常名录原因": pl.String,
                        "移出经营异常名录原因": pl.String,
                        "_s": pl.Date,
                    },
                )  # fmt: skip
            )
        df = pl.concat(frames, how="vertical_relaxed").sort("_s", "列入决定书文号").drop("_s")
        rel = f"amr/{M.yyyymm(ym)}/abnormal_{M.yyyymm(ym)}.csv"
        self._emit_csv("amr_abnormal", rel, df, "统一社会信用代码")

    def _write_grade(self, ym: int) -> None:
        sim, F, prev = self.sim, self.sim.F, self.prev
        assert prev is not None
        year = self.prev_year
        rng = np.random.default_rng([sim.seed, 6, year])
        n = sim.n
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
        idx = idx[np.argsort(sim.rank[idx], kind="stable")]
        day = int(rng.integers(10, 26))
        df = pl.DataFrame(
            {
                "纳税人识别号": sim._uscc(idx),
                "纳税人名称": sim._name(idx),
                "评价年度": str(year),
                "信用级别": pl.Series(grade[idx].tolist(), dtype=pl.String),
                "发布日期": f"{year + 1}04{day:02d}",
            }
        )
        rel = f"tax/{M.yyyymm(ym)}/credit_grade_{year}.csv"
        self._emit_csv("tax_credit_grade", rel, df, "纳税人识别号", encoding="gbk")

    def _write_insured(self, ym: int) -> None:
        sim, m = self.sim, self.month
        idx = np.flatnonzero(m["hrss_row"])
        idx = idx[np.argsort(sim.rank[idx], kind="stable")]
        o = m["others"]
        df = pl.DataFrame(
            {
                **self._base(idx, "单位名称", "统一社会信用代码"),
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
        self._emit_csv("hrss_insured", rel, df, "统一社会信用代码", INSURED_AMOUNTS, bom=True,
                       quoted=INSURED_AMOUNTS)  # fmt: skip

    def _write_disputes(self, ym: int, first: bool) -> None:
        c = self.disputes
        opened, closed = self._open_close(c, ym, first)
        frames = []
        for sel, done in ((opened, False), (closed, True)):
            f = c["firm"][sel]
            county = self.sim.F.county[f] if len(f) else np.zeros(0, dtype=object)
            year = c["m"][sel] // 12
            frames.append(
                pl.DataFrame(
                    {
                        "案件编号": [
                            f"浙{k[:4]}劳人仲案字〔{y}〕{s}号"
                            for k, y, s in zip(county, year, c.no[sel], strict=True)
                        ],
                        **self._base(f, "用人单位名称", "用人单位统一社会信用代码"),
                        "立案日期": _dates(_day(c["m"][sel], c["d"][sel]), "%Y年%m月%d日"),
                        "涉及劳动者人数": c["workers"][sel],
                        "涉案金额(元)": c.amount[sel],
                        "案件状态": "已结案" if done else "处理中",
                        "结案日期": _dates(
                            _day(c["close_m"][sel], c["close_d"][sel]), "%Y年%m月%d日"
                        )
                        if done
                        else pl.Series([None] * len(sel), dtype=pl.String),
                        "_s": _day(c["close_m"][sel], c["close_d"][sel])
                        if done
                        else _day(c["m"][sel], c["d"][sel]),
                    },
                    schema_overrides={
                        "案件编号": pl.String,
                        "案件状态": pl.String,
                        "_s": pl.Date,
                        "涉及劳动者人数": pl.Int64,
                        "涉案金额(元)": pl.Float64,
                    },
                )  # fmt: skip
            )
        df = pl.concat(frames, how="vertical_relaxed").sort("_s", "案件编号").drop("_s")
        base = f"hrss/{M.yyyymm(ym)}/wage_dispute_{M.yyyymm(ym)}"
        self._emit_xlsx("hrss_wage_dispute", base, "劳动争议案件", df, "用人单位统一社会信用代码",
                        ("涉案金额(元)",), ("涉及劳动者人数",))  # fmt: skip

    def _write_power(self, ym: int) -> None:
        sim, m = self.sim, self.month
        order = self.acc_firm_order
        firm = self.acc_firm[order]
        kwh = m["kwh"][firm] * self.acc_share[order]
        rows = sim.F.founded_m[firm] <= ym
        rows &= (sim.term_m[firm] > ym) & ~self.shell_now(ym)[firm]
        sel = order[rows]
        firm = self.acc_firm[sel]
        df = pl.DataFrame(
            {
                "户号": self.acc_no.gather(sel),
                "户名": sim._name(firm),
                "统一社会信用代码": sim._uscc(firm),
                "电费年月": M.yyyymm(ym),
                "用电类别": self.acc_class.gather(sel),
                "用电量(千瓦时)": np.round(kwh[rows]).astype(np.int64).astype(str),
            }
        )
        rel = f"power/{M.yyyymm(ym)}/usage_{M.yyyymm(ym)}.csv"
        self._emit_csv("power_usage", rel, df, "统一社会信用代码", ("用电量(千瓦时)",))

    def _write_customs(self, ym: int) -> None:
        sim, m = self.sim, self.month
        wan = 1e4
        idx = np.flatnonzero((m["export"] > 0) | (m["import"] > 0))
        idx = idx[np.argsort(sim.rank[idx], kind="stable")]
        df = pl.DataFrame(
            {
                "海关编码": self.customs_code.gather(idx),
                "统一社会信用代码": sim._uscc(idx),
                "企业名称": sim._name(idx),
                "统计年月": M.yyyymm(ym),
                "出口额(万元)": np.where(m["export"][idx] > 0, m["export"][idx] / wan, np.nan),
                "进口额(万元)": np.where(m["import"][idx] > 0, m["import"][idx] / wan, np.nan),
            },
            nan_to_null=True,
        )
        base = f"customs/{M.yyyymm(ym)}/trade_{M.yyyymm(ym)}"
        self._emit_xlsx("customs_trade", base, "进出口", df, "统一社会信用代码",
                        ("出口额(万元)", "进口额(万元)"), ())  # fmt: skip

    def _write_loans(self, ym: int) -> None:
        sim, m = self.sim, self.month
        wan = 1e4
        idx = np.flatnonzero(m["loan_row"])
        idx = idx[np.argsort(sim.rank[idx], kind="stable")]
        df = pl.DataFrame(
            {
                **self._base(idx, "企业名称", "统一社会信用代码"),
                "统计日期": _month_end(ym),
                "贷款余额(万元)": self.loans[idx] / wan,
                "逾期贷款余额(万元)": m["overdue"][idx] / wan,
                "对外担保余额(万元)": self.guarantee[idx] / wan,
                "授信机构数": self.lenders[idx].astype(str),
            }
        ).select(LOAN_KEYS)
        df = df.with_columns(fixed(pl.col(c), 2, thousands=True).alias(c) for c in LOAN_AMOUNTS)
        rel = f"credit/{M.yyyymm(ym)}/loans_{M.yyyymm(ym)}.json"
        self._emit_json("credit_loans", rel, df, "统一社会信用代码", LOAN_AMOUNTS)

    def _write_rights(self, ym: int, first: bool) -> None:
        r = self.rights
        if not len(r):
            sel = np.zeros(0, np.int64)
            status = np.zeros(0, np.int64)
        else:
            applied = r["m"] == ym
            granted = (r["grant_m"] == ym) & (r["close_m"] > ym)
            lapsed = r["close_m"] == ym
            status = np.full(len(r), -1)
            status[applied] = 0
            status[granted] = 1
            status[lapsed] = 2
            if first:
                stock = (r["m"] < ym) & (r["close_m"] > ym) & (status < 0)
                status[stock] = np.where(r["grant_m"][stock] < ym, 1, 0)
            sel = np.flatnonzero(status >= 0)
            f = r["firm"][sel]
            gone = (self.sim.term_type[f] == 2) & (self.sim.term_m[f] < ym)
            sel = sel[~gone]
            status = status[sel]
        sort_day = np.where(
            status == 0, r["m"][sel] * 31 + r["d"][sel],
            np.where(status == 1, r["grant_m"][sel] * 31 + r["grant_d"][sel],
                     r["close_m"][sel] * 31 + r["close_d"][sel]),
        )  # fmt: skip
        order = np.lexsort((r.no[sel].astype(str), sort_day))
        sel, status = sel[order], status[order]
        f = r["firm"][sel]
        has_grant = (status >= 1) & (r["grant_m"][sel] <= ym)
        df = pl.DataFrame(
            {
                "申请号/注册号": pl.Series(r.no[sel].astype(str).tolist(), dtype=pl.String),
                **self._base(f, "权利人名称", "权利人统一社会信用代码"),
                "类型": pl.Series([RIGHT_TYPES[i] for i in r["type"][sel]], dtype=pl.String),
                "申请日": _dates(_day(r["m"][sel], r["d"][sel]), "%Y%m%d"),
                "授权日": _dates(
                    _day(np.where(has_grant, r["grant_m"][sel], NEVER), r["grant_d"][sel]), "%Y%m%d"
                ),
                "失效日": _dates(
                    _day(np.where(status == 2, r["close_m"][sel], NEVER), r["close_d"][sel]),
                    "%Y%m%d",
                ),
                "法律状态": pl.Series(
                    np.array(["审查中", "有效", "失效"])[status].tolist(), dtype=pl.String
                ),
            }
        )
        rel = f"ip/{M.yyyymm(ym)}/ip_rights_{M.yyyymm(ym)}.csv"
        self._emit_csv("ip_rights", rel, df, "权利人统一社会信用代码")

    def _write_certs(self, ym: int, first: bool) -> None:
        c = self.certs
        until = c["exp_m"] if len(c) else None
        opened, closed = self._open_close(c, ym, first, until)
        frames = []
        for sel, revoked in ((opened, False), (closed, True)):
            f = c["firm"][sel]
            frames.append(
                pl.DataFrame(
                    {
                        "证书编号": pl.Series(c.no[sel].astype(str).tolist(), dtype=pl.String),
                        **self._base(f, "企业名称", "统一社会信用代码"),
                        "认定类型": pl.Series(
                            [CERT_TYPES[i] for i in c["type"][sel]], dtype=pl.String
                        ),
                        "发证日期": _dates(_day(c["m"][sel], c["d"][sel]), "%Y-%m-%d"),
                        "有效期至": _dates(_day(c["exp_m"][sel], c["exp_d"][sel]), "%Y-%m-%d"),
                        "撤销日期": _dates(_day(c["close_m"][sel], c["close_d"][sel]), "%Y-%m-%d")
                        if revoked
                        else pl.Series([None] * len(sel), dtype=pl.String),
                    }
                )  # fmt: skip
            )
        df = pl.concat(frames, how="vertical_relaxed")
        base = f"sci/{M.yyyymm(ym)}/certification_{M.yyyymm(ym)}"
        self._emit_xlsx("sci_certification", base, "认定名单", df, "统一社会信用代码", (), ())

    def _write_subsidies(self, ym: int) -> None:
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
                **self._base(firm, "企业名称", "统一社会信用代码"),
                "项目名称": raw["项目名称"],
                "主管部门": raw["主管部门"],
                "拨付金额(万元)": raw["拨付金额(万元)"],
                "拨付日期": _dates(
                    _day(np.full(len(firm), ym), raw["_day"].to_numpy()), "%Y年%m月%d日"
                ),
            }
        ).with_columns(fixed(pl.col("拨付金额(万元)"), 2, thousands=True).alias("拨付金额(万元)"))
        rel = f"subsidy/{M.yyyymm(ym)}/subsidy_{M.yyyymm(ym)}.csv"
        self._emit_csv("subsidy_payment", rel, df, "统一社会信用代码", ("拨付金额(万元)",),
                       encoding="gbk", quoted=("拨付金额(万元)",))  # fmt: skip

    def _write_env(self, ym: int, first: bool) -> None:
        e = self.env
        opened, closed = self._open_close(e, ym, first)
        frames = []
        for sel, done in ((opened, False), (closed, True)):
            f = e["firm"][sel]
            county = self.sim.F.county[f] if len(f) else np.zeros(0, dtype=object)
            year = e["m"][sel] // 12
            frames.append(
                pl.DataFrame(
                    {
                        "处罚决定书文号": [
                            f"{k[:4]}环罚〔{y}〕{s}号"
                            for k, y, s in zip(county, year, e.no[sel], strict=True)
                        ],
                        **self._base(f, "企业名称", "统一社会信用代码"),
                        "处罚日期": _dates(_day(e["m"][sel], e["d"][sel]), "%Y-%m-%d"),
                        "违法类型": [VIOLATIONS[i] for i in e["kind"][sel]],
                        "罚款金额(元)": e.amount[sel],
                        "整改完成日期": _dates(
                            _day(e["close_m"][sel], e["close_d"][sel]), "%Y-%m-%d"
                        )
                        if done
                        else pl.Series([None] * len(sel), dtype=pl.String),
                        "_s": _day(e["close_m"][sel], e["close_d"][sel])
                        if done
                        else _day(e["m"][sel], e["d"][sel]),
                    },
                    schema_overrides={
                        "处罚决定书文号": pl.String,
                        "违法类型": pl.String,
                        "_s": pl.Date,
                        "罚款金额(元)": pl.Float64,
                    },
                )  # fmt: skip
            )
        df = pl.concat(frames, how="vertical_relaxed").sort("_s", "处罚决定书文号").drop("_s")
        df = df.with_columns(fixed(pl.col("罚款金额(元)"), 2).alias("罚款金额(元)"))
        rel = f"env/{M.yyyymm(ym)}/env_penalty_{M.yyyymm(ym)}.json"
        self._emit_json("env_penalty", rel, df, "统一社会信用代码", ("罚款金额(元)",))
