"""Environment (生态环境): penalties of polluting firms and their rectification.

Polluting sections only; weaker firms are penalised more often; the strong rectify, the weak
may not, and firms in distress mostly never do.
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
from simulator.world import World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"env_penalty": 17}

ENV_KEYS = (
    "处罚决定书文号", "企业名称", "统一社会信用代码", "处罚日期", "违法类型", "罚款金额(元)",
    "整改完成日期",
)  # fmt: skip
VIOLATIONS = (
    "超标排放水污染物", "超标排放大气污染物", "未批先建", "未验收先投产", "危险废物贮存不规范",
    "未按规定安装自动监测设备", "噪声超标排放",
)  # fmt: skip
POLLUTING_SECTIONS = ("B", "C", "D", "E")


class Env:
    """Environmental penalties with their rectification months."""

    def __init__(self, world: World, out: Output, rng: np.random.Generator) -> None:
        self.world, self.out, self.rng = world, out, rng
        self.serials = Serials()
        self.polluter = np.isin(world.F.section, POLLUTING_SECTIONS)
        self.env = Items("firm", "m", "d", "kind", "close_m", "close_d")

    def events(self, ym: int, h: np.ndarray, working: np.ndarray) -> None:
        F, rng, n = self.world.F, self.rng, self.world.n
        size = F.size
        year = M.year_of(ym)
        lam = np.array([0.01, 0.006, 0.003, 0.001])[size] * np.exp(-0.5 * h) * self.polluter
        idx = np.flatnonzero(rng.random(n) < lam * working)
        k = len(idx)
        if k:
            fixes = rng.random(k) < sigmoid(1.2 + 0.8 * h[idx])
            amount = np.round(
                rng.lognormal(np.log(1e5), 0.8, k) * np.array([2.0, 1.2, 0.8, 0.5])[size[idx]], -3
            )
            self.env.add(
                self.serials.take(f"env{year}", k).astype(str),
                amount=np.maximum(amount, 10_000.0),
                firm=idx,
                m=np.full(k, ym),
                d=rng.integers(1, 29, k),
                kind=rng.integers(0, len(VIOLATIONS), k),
                close_m=np.where(fixes, ym + rng.integers(1, 10, k), NEVER),
                close_d=rng.integers(1, 29, k),
            )

    # ------------------------------------------------------------------ files
    def write(self, ym: int, first: bool) -> None:
        e = self.env
        opened, closed = open_close(self.world, e, ym, first)
        frames = []
        for sel, done in ((opened, False), (closed, True)):
            f = e["firm"][sel]
            county = self.world.F.county[f] if len(f) else np.zeros(0, dtype=object)
            year = e["m"][sel] // 12
            frames.append(
                pl.DataFrame(
                    {
                        "处罚决定书文号": [
                            f"{k[:4]}环罚〔{y}〕{s}号"
                            for k, y, s in zip(county, year, e.no[sel], strict=True)
                        ],
                        **name_and_code(self.world, f, "企业名称", "统一社会信用代码"),
                        "处罚日期": date_series(M.when(e["m"][sel], e["d"][sel]), "%Y-%m-%d"),
                        "违法类型": [VIOLATIONS[i] for i in e["kind"][sel]],
                        "罚款金额(元)": e.amount[sel],
                        "整改完成日期": date_series(
                            M.when(e["close_m"][sel], e["close_d"][sel]), "%Y-%m-%d"
                        )
                        if done
                        else null_text(len(sel)),
                        "_s": M.when(e["close_m"][sel], e["close_d"][sel])
                        if done
                        else M.when(e["m"][sel], e["d"][sel]),
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
        self.out.emit_json("env_penalty", rel, df, "统一社会信用代码", ("罚款金额(元)",))
