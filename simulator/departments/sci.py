"""Science (科技局): certifications (高新技术企业, 专精特新, 科技型中小企业), in yearly batches.

Healthy, innovative firms with valid rights are certified more often; certificates of firms in
distress are often withdrawn. The first window month delivers the stock of valid certificates.
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
from simulator.formats import date_series
from simulator.months import NEVER
from simulator.output import Output
from simulator.world import World, sigmoid

# feed -> fault stream number (fixed for good: see simulator/output.py)
FEEDS = {"sci_certification": 15}

CERT_COLS = (
    "证书编号",
    "企业名称",
    "统一社会信用代码",
    "认定类型",
    "发证日期",
    "有效期至",
    "撤销日期",
)
CERT_TYPES = ("高新技术企业", "专精特新中小企业", "科技型中小企业")


class Sci:
    """Certificates with their issue, expiry and withdrawal months."""

    def __init__(
        self, world: World, out: Output, rng: np.random.Generator, shell: np.ndarray
    ) -> None:
        self.world, self.out, self.rng = world, out, rng
        self.serials = Serials()
        self.certs = Items("firm", "type", "m", "d", "exp_m", "exp_d", "close_m", "close_d")
        # the stock held before the simulation starts
        F, n = world.F, world.n
        t0 = world.sim_start
        sy = M.year_of(t0)
        eligible = (F.rd >= 0.02) & ~shell & (F.founded_m < t0 - 24)
        p = np.clip(2.5 * sigmoid(-1.5 + 1.0 * F.mu), 0, 0.8)
        ht = np.flatnonzero(eligible & (rng.random(n) < p))
        year = sy - rng.integers(1, 4, len(ht))
        self._add_certs(ht, 0, year * 12 + 11, rng.integers(1, 21, len(ht)), 36)

    def _add_certs(self, firm, ctype: int, issue_m, issue_d, valid_months: int) -> None:
        k = len(firm)
        if not k:
            return
        seq = self.serials.take(f"cert{ctype}", k)
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

    def events(
        self, ym: int, h: np.ndarray, working: np.ndarray, n_rights: np.ndarray
    ) -> np.ndarray:
        """Certify the year's batches; return which firms held which type before them."""
        F, rng, n = self.world.F, self.rng, self.world.n
        size = F.size
        cal = M.month_of(ym)
        c = self.certs
        held = np.zeros((3, n), dtype=bool)
        ok = (c["m"] <= ym) & (c["exp_m"] > ym) & (c["close_m"] > ym)
        held[c["type"][ok], c["firm"][ok]] = True
        old = F.founded_m < ym - 12
        if cal == 12:
            elig = working & old & (F.rd >= 0.02) & ~held[0] & ((n_rights > 0) | (size <= 1))
            p = 0.5 * sigmoid(-1.5 + 1.0 * h + 0.3 * np.log1p(n_rights))
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 0, ym, rng.integers(1, 21, len(idx)), 36)
        if cal == 7:
            elig = working & old & F.industrial & np.isin(size, (1, 2)) & (F.rd > 0) & ~held[1]
            p = sigmoid(-3.5 + 1.2 * h + 0.4 * np.log1p(n_rights))
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 1, ym, rng.integers(1, 29, len(idx)), 36)
        if cal == 5:
            elig = working & np.isin(size, (2, 3)) & (F.rd > 0)
            p = sigmoid(-0.8 + 0.8 * h)
            idx = np.flatnonzero(elig & (rng.random(n) < p))
            self._add_certs(idx, 2, ym, rng.integers(1, 29, len(idx)), 0)
        return held

    def withdraw(self, ym: int, gone: np.ndarray) -> None:
        """Certificates of firms in distress (``gone``) are often withdrawn."""
        c, rng = self.certs, self.rng
        hit = np.isin(c["firm"], gone) & (c["close_m"] == NEVER) & (c["exp_m"] > ym)
        hit &= rng.random(len(hit)) < 0.6
        c.c["close_m"][hit] = ym + rng.integers(1, 7, int(hit.sum()))
        c.c["close_m"][hit] = np.minimum(c["close_m"][hit], c["exp_m"][hit])

    # ------------------------------------------------------------------ files
    def write(self, ym: int, first: bool) -> None:
        c = self.certs
        until = c["exp_m"] if len(c) else None
        opened, closed = open_close(self.world, c, ym, first, until)
        frames = []
        for sel, revoked in ((opened, False), (closed, True)):
            f = c["firm"][sel]
            frames.append(
                pl.DataFrame(
                    {
                        "证书编号": pl.Series(c.no[sel].astype(str).tolist(), dtype=pl.String),
                        **name_and_code(self.world, f, "企业名称", "统一社会信用代码"),
                        "认定类型": pl.Series(
                            [CERT_TYPES[i] for i in c["type"][sel]], dtype=pl.String
                        ),
                        "发证日期": date_series(M.when(c["m"][sel], c["d"][sel]), "%Y-%m-%d"),
                        "有效期至": date_series(
                            M.when(c["exp_m"][sel], c["exp_d"][sel]), "%Y-%m-%d"
                        ),
                        "撤销日期": date_series(
                            M.when(c["close_m"][sel], c["close_d"][sel]), "%Y-%m-%d"
                        )
                        if revoked
                        else null_text(len(sel)),
                    }
                )  # fmt: skip
            )
        df = pl.concat(frames, how="vertical_relaxed")
        base = f"sci/{M.yyyymm(ym)}/certification_{M.yyyymm(ym)}"
        self.out.emit_xlsx("sci_certification", base, "认定名单", df, "统一社会信用代码", (), ())
