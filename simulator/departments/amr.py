"""AMR (市场监管): the registry, administrative penalties and the abnormal-operation list.

The registry delivers its stock in the first window month, then monthly deltas (new firms,
status and capital changes). AMR also holds the shell firms: registered, with no real activity
in any department (a quarter of them turn into shells during the window). The annual report
AMR collects is its own module (``annual_report``), as it carries every department's sections.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import Items, Serials, name_and_code, null_text, open_close
from simulator.formats import csv_bytes, date_series, fixed
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"amr_registry": 0, "amr_penalty": 6, "amr_abnormal": 7}

REGISTRY_COLS = (
    "统一社会信用代码", "企业名称", "企业类型", "行业代码", "住所行政区划代码", "注册资本(万元)",
    "成立日期", "登记状态", "状态变更日期", "变更日期",
)  # fmt: skip
PENALTY_COLS = (
    "行政处罚决定书文号", "当事人名称", "统一社会信用代码", "处罚决定日期", "处罚种类",
    "罚没金额(万元)", "违法行为类型", "公示截止日期",
)  # fmt: skip
ABNORMAL_COLS = (
    "列入决定书文号", "企业名称", "统一社会信用代码", "列入日期", "列入经营异常名录原因",
    "移出日期", "移出经营异常名录原因",
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


class Amr:
    """Registry changes, penalties and abnormal-operation listings; which firms are shells."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        F, n = world.F, world.n
        size = F.size
        self.serials = Serials()

        # shell firms: registered, no real activity anywhere (a quarter turn into shells later)
        self.shell = (size == 3) & ~F.above_scale & (rng.random(n) < 0.035)
        later = rng.random(n) < 0.25
        shell_m = np.where(later, rng.integers(world.win_start - 6, world.end + 1, n), F.founded_m)
        self.shell_m = np.where(self.shell, np.maximum(shell_m, F.founded_m), NEVER)
        self.sec_risk = np.where(np.isin(F.section, ("C", "E", "F", "G", "H")), 1.5, 1.0)
        self.penalties = Items("firm", "m", "d", "kind", "reason", "until_m", "until_d", "close_m")
        self.abnormal = Items("firm", "m", "d", "reason", "close_m", "close_d")

    def shell_now(self, ym: int) -> np.ndarray:
        return self.shell_m <= ym

    # ------------------------------------------------------------------ events
    def penalty_events(self, ym: int, h: np.ndarray, live: np.ndarray, dormant: np.ndarray) -> None:
        """Administrative penalties: weaker firms, riskier trades."""
        F, rng, n = self.world.F, self.rng, self.world.n
        size = F.size
        year = M.year_of(ym)
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
                self.serials.take(f"pen{year}", k).astype(str),
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

    def abnormal_events(self, ym: int, alive: np.ndarray, live: np.ndarray, newly: np.ndarray):
        """Abnormal-operation list: firms that cannot be reached, shells, unpublished changes."""
        world, rng, n = self.world, self.rng, self.world.n
        reach = newly & (world.dormant_m == ym) & (rng.random(n) < 0.4)
        reach |= self.shell_now(ym) & alive & (rng.random(n) < 0.002)
        idx = np.flatnonzero(reach)
        self._list(idx, ym + rng.integers(3, 10, len(idx)), 1, np.full(len(idx), NEVER))
        inst = np.flatnonzero(live & (rng.random(n) < 0.0002))
        back = rng.random(len(inst)) < 0.7
        lm = np.full(len(inst), ym)
        self._list(inst, lm, 3, np.where(back, lm + rng.integers(1, 7, len(inst)), NEVER))

    def _list(self, firm, listed_m, reason: int, removed_m) -> None:
        k = len(firm)
        if not k:
            return
        rng = self.rng
        seq = self.serials.take("abn", k)
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
        world, rng = self.world, self.rng
        july = (year + 1) * 12 + 6
        late = np.flatnonzero(required & ~files)
        k = len(late)
        listed_m = july + rng.choice(3, k, p=[0.7, 0.2, 0.1])
        dormant = world.dormant_m[late] <= listed_m
        files_later = ~dormant & (rng.random(k) < 0.8 * sigmoid(0.5 + 1.0 * h_mean[late]))
        self._list(
            late, listed_m, 0, np.where(files_later, listed_m + rng.integers(1, 13, k), NEVER)
        )
        # reports found to hide the truth (some of the misreporting firms are caught)
        caught = mismatch_firms[rng.random(len(mismatch_firms)) < 0.15]
        k = len(caught)
        lm = july + rng.integers(0, 6, k)
        fixed_ = rng.random(k) < 0.5
        self._list(caught, lm, 2, np.where(fixed_, lm + rng.integers(3, 13, k), NEVER))

    # ------------------------------------------------------------------ files
    def write_registry(self, ym: int, exists: np.ndarray, alive: np.ndarray) -> None:
        """The registry: the stock in the first window month, then the month's changes."""
        F, rng = self.world.F, self.world.rng
        world = self.world
        term_now = world.term_m == ym
        if ym == world.win_start:
            idx = np.flatnonzero(exists)
            change = np.where(F.founded_m[idx] == ym, F.founded[idx], M.day64(ym))
        else:
            new = np.flatnonzero((F.founded_m == ym) & ~term_now)
            status = np.flatnonzero(term_now & exists)
            cap_change = alive & ~term_now & (F.founded_m < ym) & (rng.random(world.n) < 0.0015)
            cap = np.flatnonzero(cap_change)
            world.capital[cap] = np.round(world.capital[cap] * rng.uniform(1.5, 5.0, len(cap)), -1)
            cap_days = M.days(ym, rng.integers(1, M.days_in(ym) + 1, len(cap)))
            idx = np.concatenate([new, status, cap])
            change = np.concatenate(
                [F.founded[new], M.days(ym, world.term_day[status]), cap_days]
            ).astype("datetime64[D]")
        tn = term_now[idx]
        status_txt = np.where(tn, np.where(world.term_type[idx] == 1, "吊销", "注销"), "存续")
        status_day = np.where(tn, M.days(ym, world.term_day[idx]), np.datetime64("NaT"))
        change = np.where(tn, status_day, change).astype("datetime64[D]")
        df = pl.DataFrame(
            {
                "统一社会信用代码": self.world.uscc(idx),
                "企业名称": self.world.name(idx),
                "企业类型": pl.Series(F.form[idx].tolist(), dtype=pl.String),
                "行业代码": pl.Series(F.class_code[idx].tolist(), dtype=pl.String),
                "住所行政区划代码": pl.Series(F.county[idx].tolist(), dtype=pl.String),
                "注册资本(万元)": world.capital[idx],
                "成立日期": date_series(F.founded[idx], "%Y-%m-%d"),
                "登记状态": pl.Series(status_txt.tolist(), dtype=pl.String),
                "状态变更日期": date_series(status_day, "%Y-%m-%d"),
                "变更日期": date_series(change, "%Y-%m-%d"),
                "_d": change,
            }
        )
        df = df.sort("_d", "统一社会信用代码").drop("_d")
        df = df.with_columns(fixed(pl.col("注册资本(万元)"), 2).alias("注册资本(万元)"))
        df = self.out.inject(df, self.out.fault_rng("amr_registry", ym), "统一社会信用代码")
        rel = f"amr/{M.yyyymm(ym)}/registry_{M.yyyymm(ym)}.csv"
        self.out.log_faults("amr_registry", rel, df, 2)
        self.out.write(rel, csv_bytes(df.drop("_fault", "_ocol", "_oval"), bom=True))

    def write_penalty(self, ym: int, first: bool) -> None:
        p = self.penalties
        until = p["until_m"] if len(p) else None
        sel, _ = open_close(self.world, p, ym, first, until)
        sel = sel[np.lexsort((p["firm"][sel], p["d"][sel], p["m"][sel]))]
        f = p["firm"][sel]
        year = p["m"][sel] // 12
        county = self.world.F.county[f] if len(f) else np.zeros(0, dtype=object)
        df = pl.DataFrame(
            {
                "行政处罚决定书文号": [
                    f"浙{c[:4]}市监处罚〔{y}〕{s}号"
                    for c, y, s in zip(county, year, p.no[sel], strict=True)
                ],
                **name_and_code(self.world, f, "当事人名称", "统一社会信用代码"),
                "处罚决定日期": date_series(M.when(p["m"][sel], p["d"][sel]), "%Y-%m-%d"),
                "处罚种类": [PENALTY_TYPES[i] for i in p["kind"][sel]],
                "罚没金额(万元)": p.amount[sel],
                "违法行为类型": [PENALTY_REASONS[i] for i in p["reason"][sel]],
                "公示截止日期": date_series(
                    M.when(p["until_m"][sel], p["until_d"][sel]), "%Y-%m-%d"
                ),
            },
            schema_overrides={
                "行政处罚决定书文号": pl.String,
                "处罚种类": pl.String,
                "违法行为类型": pl.String,
            },  # fmt: skip
            nan_to_null=True,
        ).with_columns(fixed(pl.col("罚没金额(万元)"), 2).alias("罚没金额(万元)"))
        rel = f"amr/{M.yyyymm(ym)}/penalty_{M.yyyymm(ym)}.csv"
        self.out.emit_csv("amr_penalty", rel, df, "统一社会信用代码", ("罚没金额(万元)",), bom=True)

    def write_abnormal(self, ym: int, first: bool) -> None:
        a = self.abnormal
        opened, closed = open_close(self.world, a, ym, first)
        frames = []
        for sel, removal in ((opened, False), (closed, True)):
            f = a["firm"][sel]
            year = a["m"][sel] // 12
            county = self.world.F.county[f] if len(f) else np.zeros(0, dtype=object)
            reason = a["reason"][sel]
            frames.append(
                pl.DataFrame(
                    {
                        "列入决定书文号": [
                            f"浙{c[:4]}市监异列〔{y}〕{s}号"
                            for c, y, s in zip(county, year, a.no[sel], strict=True)
                        ],
                        **name_and_code(self.world, f, "企业名称", "统一社会信用代码"),
                        "列入日期": date_series(M.when(a["m"][sel], a["d"][sel]), "%Y%m%d"),
                        "列入经营异常名录原因": [ABNORMAL_REASONS[i] for i in reason],
                        "移出日期": date_series(
                            M.when(a["close_m"][sel], a["close_d"][sel]), "%Y%m%d"
                        )
                        if removal
                        else null_text(len(sel)),
                        "移出经营异常名录原因": [
                            REMOVED_REASONS[i] if removal else None for i in reason
                        ],
                        "_s": M.when(a["close_m"][sel], a["close_d"][sel])
                        if removal
                        else M.when(a["m"][sel], a["d"][sel]),
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
        self.out.emit_csv("amr_abnormal", rel, df, "统一社会信用代码")
