"""IP (知识产权): patents and trademarks, monthly applications, grants and lapses.

Innovative and healthy firms file more; a refused application lapses when refused, a granted
right lapses by unpaid annuity later, and sooner after the holder's distress. The first window
month delivers the stock of pending and valid rights.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import simulator.months as M
from simulator.departments.common import (
    Items,
    Serials,
    name_and_code,
)
from simulator.formats import date_series
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import World

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"ip_rights": 14}

IP_COLS = (
    "申请号/注册号", "权利人名称", "权利人统一社会信用代码", "类型", "申请日", "授权日", "失效日",
    "法律状态",
)  # fmt: skip
RIGHT_TYPES = ("发明专利", "实用新型", "外观设计", "注册商标")


class Ip:
    """Rights (patents, trademarks) with their application, grant and lapse months."""

    def __init__(
        self, world: World, out: Output, rng: np.random.Generator, shell: np.ndarray
    ) -> None:
        self.world, self.out, self.rng = world, out, rng
        self.serials = Serials()
        self.rights = Items("firm", "type", "m", "d", "grant_m", "grant_d", "close_m", "close_d")
        # the stock held before the simulation starts
        F, n = world.F, world.n
        t0 = world.sim_start
        lam_p, lam_t = self._right_rates(F.mu)
        hist = 96
        for kind, lam in (("p", lam_p), ("t", lam_t)):
            cnt = rng.poisson(lam * hist * ~shell)
            firm = np.repeat(np.arange(n), cnt)
            app_m = t0 - 1 - rng.integers(0, hist, len(firm))
            ok = app_m > F.founded_m[firm]
            self._add_rights(firm[ok], app_m[ok], kind)

    def _right_rates(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        F = self.world.F
        base = np.array([1.2, 0.3, 0.06, 0.012])[F.size]
        lam_p = base * np.exp(0.5 * h) * np.where(F.rd > 0, 1.0, 0.03)
        lam_t = np.array([0.1, 0.03, 0.008, 0.002])[F.size] * np.exp(0.3 * h)
        return lam_p, lam_t

    def _add_rights(self, firm: np.ndarray, app_m: np.ndarray, kind: str) -> None:
        rng, F = self.rng, self.world.F
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
        seq = self.serials.take("right", k)
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

    def events(self, ym: int, h: np.ndarray, working: np.ndarray) -> None:
        """Patents and trademarks: innovative and healthy firms file more."""
        rng, n = self.rng, self.world.n
        lam_p, lam_t = self._right_rates(h)
        for kind, lam in (("p", lam_p), ("t", lam_t)):
            cnt = rng.poisson(lam * working)
            self._add_rights(np.repeat(np.arange(n), cnt), np.full(int(cnt.sum()), ym), kind)

    def valid_counts(self, ym: int) -> np.ndarray:
        """Number of valid (granted, not lapsed) rights per firm."""
        r = self.rights
        valid = (r["grant_m"] <= ym) & (r["close_m"] > ym)
        return np.bincount(r["firm"][valid], minlength=self.world.n)

    def lapse(self, ym: int, gone: np.ndarray) -> None:
        """Rights of firms in distress (``gone``) lapse unpaid within 6-18 months."""
        r, rng = self.rights, self.rng
        hit = np.isin(r["firm"], gone) & (r["close_m"] > ym + 6)
        lapse = ym + rng.integers(6, 19, int(hit.sum()))
        r.c["close_m"][hit] = lapse
        r.c["grant_m"][hit] = np.where(r["grant_m"][hit] < lapse, r["grant_m"][hit], NEVER)

    # ------------------------------------------------------------------ files
    def write(self, ym: int, first: bool) -> None:
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
            gone = (self.world.term_type[f] == 2) & (self.world.term_m[f] < ym)
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
                **name_and_code(self.world, f, "权利人名称", "权利人统一社会信用代码"),
                "类型": pl.Series([RIGHT_TYPES[i] for i in r["type"][sel]], dtype=pl.String),
                "申请日": date_series(M.when(r["m"][sel], r["d"][sel]), "%Y%m%d"),
                "授权日": date_series(
                    M.when(np.where(has_grant, r["grant_m"][sel], NEVER), r["grant_d"][sel]),
                    "%Y%m%d",
                ),
                "失效日": date_series(
                    M.when(np.where(status == 2, r["close_m"][sel], NEVER), r["close_d"][sel]),
                    "%Y%m%d",
                ),
                "法律状态": pl.Series(
                    np.array(["审查中", "有效", "失效"])[status].tolist(), dtype=pl.String
                ),
            }
        )
        rel = f"ip/{M.yyyymm(ym)}/ip_rights_{M.yyyymm(ym)}.csv"
        self.out.emit_csv("ip_rights", rel, df, "权利人统一社会信用代码")
