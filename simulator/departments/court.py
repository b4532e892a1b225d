"""Courts (法院): enforcement cases and the dishonest-debtor list (失信被执行人).

Litigation follows distress: every litigation-path onset and some dormant firms' creditors sue,
3-12 months later; weak firms' cases stay open longer and more often end on the dishonest list.
Cases are scheduled ahead in time and delivered in the months they are filed or closed.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import (
    null_text,
)
from simulator.formats import cn_date, date_series
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"court_enforcement": 4, "credit_dishonest": 5}

DISHONEST_REASONS = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
)
COURT_COLS = (
    "案号", "被执行人名称", "被执行人统一社会信用代码", "立案日期", "执行标的(元)", "案件状态",
    "结案日期",
)  # fmt: skip
CREDIT_KEYS = (
    "案号", "失信被执行人名称", "统一社会信用代码", "列入日期", "移出日期", "失信行为具体情形",
)  # fmt: skip


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


class Court:
    """Enforcement cases (and their dishonest listings), numbered per year and county."""

    def __init__(self, world: World, out: Output) -> None:
        self.world, self.out = world, out
        self.cases = _Cases()
        self.court_seq: dict[tuple[int, str], int] = {}

    def schedule(self, ym: int, idx: np.ndarray, warned: np.ndarray) -> None:
        """Schedule the suits against firms ``idx`` (``warned``: onset driven by health)."""
        world = self.world
        p, F, rng, h = world.p, world.F, world.rng, world.h
        k = len(idx)
        h0 = h[idx]
        lag = rng.integers(p.sue_lag[0], p.sue_lag[1] + 1, k)
        file_m = ym + lag
        close_m = file_m + 1 + rng.geometric(sigmoid(-1.2 + 0.9 * h0).clip(0.05, 0.6))
        listed = rng.random(k) < np.where(warned, sigmoid(-0.4 - 0.9 * h0), 0.15)
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

    # ------------------------------------------------------------------ files
    def write(self, ym: int, in_win: bool) -> None:
        """Number the month's new cases; inside the window, write the month's two files."""
        world = self.world
        C, F = self.cases, world.F
        if not len(C["firm"]):
            if in_win:
                self._write_court(ym, pl.DataFrame(schema=dict.fromkeys(COURT_COLS, pl.String)))
                self._write_credit(ym, [])
            return
        # cases filed this month (against a firm already deregistered: the suit never happens)
        filing = np.flatnonzero(C["file_m"] == ym)
        gone = (world.term_type[C["firm"][filing]] == 2) & (world.term_m[C["firm"][filing]] <= ym)
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
            self.out.event(C["firm"][filing], "enforcement", M.days(ym, C["file_d"][filing]))
        closing = np.flatnonzero(C["close_m"] == ym)
        closing = np.array([i for i in closing if C.case_no[i] is not None], dtype=np.int64)
        rows = []
        for sel, closed in ((filing, False), (closing, True)):
            if not len(sel):
                continue
            firm = C["firm"][sel]
            file_days = np.array(
                [M.days(int(m), np.array([d]))[0] for m, d in zip(C["file_m"][sel],
                                                                  C["file_d"][sel], strict=True)]
            ) if closed else M.days(ym, C["file_d"][sel])  # fmt: skip
            frame = pl.DataFrame(
                {
                    "案号": pl.Series([C.case_no[i] for i in sel], dtype=pl.String),
                    "被执行人名称": self.world.name(firm),
                    "被执行人统一社会信用代码": self.world.uscc(firm),
                    "立案日期": date_series(file_days, "%Y-%m-%d"),
                    "执行标的(元)": C["amount"][sel],
                    "案件状态": "已结案" if closed else "执行中",
                    "结案日期": date_series(M.days(ym, C["close_d"][sel]), "%Y-%m-%d")
                    if closed
                    else null_text(len(sel)),
                    "_date": (M.days(ym, C["close_d"][sel]) if closed else file_days).astype(
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
        listing = listing[~((world.term_type[firms] == 2) & (world.term_m[firms] <= ym))]
        C["remove_m"][np.setdiff1d(np.flatnonzero(C["list_m"] == ym), listing)] = NEVER
        removing = np.flatnonzero(C["remove_m"] == ym)
        removing = np.array([i for i in removing if C.case_no[i] is not None], dtype=np.int64)
        if len(listing):
            self.out.event(C["firm"][listing], "dishonest", M.days(ym, C["list_d"][listing]))
        objs = []
        for sel, removed in ((listing, False), (removing, True)):
            for i in sel:
                firm = int(C["firm"][i])
                list_day = M.days(int(C["list_m"][i]), np.array([C["list_d"][i]]))[0]
                rem_day = M.days(ym, np.array([C["remove_d"][i]]))[0] if removed else None
                objs.append(
                    (
                        rem_day if removed else list_day,
                        C.case_no[i],
                        {
                            "案号": C.case_no[i],
                            "失信被执行人名称": F.name[firm],
                            "统一社会信用代码": F.uscc[firm],
                            "列入日期": cn_date(list_day),
                            "移出日期": cn_date(rem_day) if removed else None,
                            "失信行为具体情形": DISHONEST_REASONS[int(C["reason"][i])],
                        },
                    )
                )
        objs.sort(key=lambda t: (t[0], t[1]))
        self._write_credit(ym, [o for _, _, o in objs])

    def _write_court(self, ym: int, df: pl.DataFrame) -> None:
        frng = self.out.fault_rng("court_enforcement", ym)
        df = self.out.inject(df, frng, "被执行人统一社会信用代码")
        base = f"court/{M.yyyymm(ym)}/enforcement_{M.yyyymm(ym)}"
        self.out.write_xlsx("court_enforcement", base, "执行案件", df, {"执行标的(元)"}, set())

    def _write_credit(self, ym: int, objs: list[dict]) -> None:
        frng = self.out.fault_rng("credit_dishonest", ym)
        df = pl.DataFrame(
            {k: pl.Series([o[k] for o in objs], dtype=pl.String) for k in CREDIT_KEYS}
        )
        df = self.out.inject(df, frng, "统一社会信用代码")
        rel = f"court/{M.yyyymm(ym)}/dishonest_{M.yyyymm(ym)}.json"
        self.out.log_faults("credit_dishonest", rel, df, 1)
        items = [
            json.dumps(dict(zip(CREDIT_KEYS, row, strict=True)), ensure_ascii=False)
            for row in df.select(CREDIT_KEYS).iter_rows()
        ]
        text = "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"
        self.out.write(rel, text.encode("utf-8"))
