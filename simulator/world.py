"""The world every department observes: firms, their latent health, activity and distress.

Firms carry a latent health ``h`` (AR(1) around a firm mean, with industry shocks and sudden
drops). Activity (sales, profit, taxes, headcount) follows it with noise; distress onsets follow
it by chance (logistic hazard plus a health-independent part ``p0``). Departments read this
state (see ``simulator/departments/``); only the world model writes it.

Everything is vectorised over firms with numpy. The world draws from one stream
(``[seed, 1]``); the engine calls it in a fixed order, shared with the registry, the tax
arrears and declarations and the annual report, so that order is part of the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from simulator import months as M
from simulator.firms import Firms, make_firms
from simulator.months import NEVER
from simulator.reference import load_reference

# calendar-month seasonality without the Spring Festival (which is added per year)
_SEASON = np.array([1.00, 1.00, 1.02, 0.99, 1.00, 1.03, 0.97, 0.96, 1.01, 1.00, 1.04, 1.20])
_SEASON = _SEASON / _SEASON.mean()

# distress path by size class (大 中 小 微): A litigation, B dormancy -> revocation, else C closure
_PATH_A = np.array([0.80, 0.75, 0.55, 0.40])
_PATH_B = np.array([0.05, 0.08, 0.20, 0.35])


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


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-x))


def window(months: int, end: str) -> tuple[int, int, int]:
    """Return ``(sim_start, win_start, end)`` month indices for ``months`` ending at ``end``.

    The burn-in before the window is at least a year (distress pipelines in steady state); a
    window opening in the first half reaches back to January of the year before, so the annual
    reports filed inside the window have a full simulated year behind them.

    >>> [M.label(m) for m in window(36, "2026-09")]
    ['2022-10', '2023-10', '2026-09']
    """
    last = M.parse_month(end)
    win_start = last - months + 1
    start_month = M.month_of(win_start)
    burn = max(12, start_month - 1 + (12 if start_month <= 6 else 0))
    return win_start - burn, win_start, last


class Yearly:
    """Calendar-year sums over firms; ``close`` (in December) keeps the year's in ``prev``."""

    def __init__(self, n: int, *keys: str) -> None:
        self.sum = {k: np.zeros(n) for k in keys}
        self.prev: dict[str, np.ndarray] | None = None
        self.year = -1

    def __getitem__(self, key: str) -> np.ndarray:
        return self.sum[key]

    def __setitem__(self, key: str, value: np.ndarray) -> None:  # ``yr[k] += x`` stores back
        self.sum[key] = value

    def close(self, year: int, **extra: np.ndarray) -> None:
        self.prev = {k: v.copy() for k, v in self.sum.items()}
        self.prev.update(extra)
        self.year = year
        for v in self.sum.values():
            v[:] = 0.0


@dataclass
class Month:
    """One month of the world as the departments see it (arrays over firms)."""

    ym: int
    h: np.ndarray
    hs: np.ndarray  # slow-moving health (headcount and insurance cover follow it)
    exists: np.ndarray
    alive: np.ndarray
    dormant: np.ndarray
    winding: np.ndarray
    active: np.ndarray
    rev: np.ndarray
    profit: np.ndarray
    vat: np.ndarray
    cit: np.ndarray
    emp: np.ndarray
    rd: np.ndarray


@dataclass
class Onsets:
    """Distress onsets of one month: counts, and the firms whose creditors will sue."""

    health_driven: int
    no_warning: int
    sued: np.ndarray
    sued_warned: np.ndarray


class World:
    """Firms and their month-by-month state: health, activity, dormancy, termination."""

    def __init__(self, n: int, months: int, end: str, seed: int, params: Params) -> None:
        self.p = params
        self.n = n
        self.seed = seed
        self.sim_start, self.win_start, self.end = window(months, end)
        self.rng = np.random.default_rng([seed, 1])
        self.F: Firms = make_firms(
            load_reference(),
            n,
            np.random.default_rng([seed, 0]),
            self.win_start,
            self.end,
            mu_sd=params.mu_sd,
            margin_mu=params.margin_mu,
            debt_mu=params.debt_mu,
            exit_hazard=self.exit_hazard,
        )
        F = self.F
        self.uscc_s = pl.Series("uscc", F.uscc, dtype=pl.String)
        self.name_s = pl.Series("name", F.name, dtype=pl.String)
        self.uscc_pa = pa.array(F.uscc, type=pa.string())
        self.rank = np.empty(n, dtype=np.int64)  # files are sorted by USCC
        self.rank[np.argsort(np.array(F.uscc, dtype=object), kind="stable")] = np.arange(n)
        self.capital = F.capital.copy()  # 万元; the registry raises it now and then
        self.h = np.zeros(n)
        self.hs = np.zeros(n)
        self.term_m = np.full(n, NEVER, dtype=np.int64)
        self.term_day = np.ones(n, dtype=np.int64)
        self.term_type = np.zeros(n, dtype=np.int8)  # 1 revocation (吊销), 2 closure (注销)
        self.dormant_m = np.full(n, NEVER, dtype=np.int64)
        self.stop_filer = np.zeros(n, dtype=bool)
        self.wind_m = np.full(n, NEVER, dtype=np.int64)
        self.arrears_trigger = np.full(n, NEVER, dtype=np.int64)  # tax arrears after an onset
        self.q_profit = np.zeros(n)
        self.emp_now = F.emp.copy()
        self.yr = Yearly(n, "rev", "profit", "vat", "cit", "h", "n", "rd")
        self.pre_dormant = np.zeros(0, dtype=np.int64)

    def uscc(self, idx: np.ndarray) -> pl.Series:
        return self.uscc_s.gather(idx)

    def name(self, idx: np.ndarray) -> pl.Series:
        return self.name_s.gather(idx)

    def gone(self, firm: np.ndarray, ym: int) -> np.ndarray:
        """Which of ``firm`` were deregistered (注销) before ``ym``: gone from every department."""
        return (self.term_type[firm] == 2) & (self.term_m[firm] < ym)

    # ------------------------------------------------------------------ set-up
    def initial_dormancy(self, shell: np.ndarray) -> None:
        """Firms already dormant when the simulation starts (dormancy lasts years, so the
        window opens with a stock of dormant firms, some due for revocation inside it)."""
        p, F, n = self.p, self.F, self.n
        rng = np.random.default_rng([self.seed, 4])
        size_eff = np.array(p.haz_size)[F.size]
        # hazard at the mean health understates the average (convex in h) and firms of the
        # stock are survivors: x3 matches the dormancy rate the simulation then settles at
        rate = 3.0 * (sigmoid(p.haz_a + size_eff - p.haz_b * F.mu) + p.p0) * _PATH_B[F.size]
        start = np.maximum(F.founded_m + 1, self.sim_start - p.revoke_lag[1])
        months = np.maximum(self.sim_start - start, 0)
        pick = (months > 0) & (rng.random(n) < rate * months) & ~shell
        began = start + np.floor(rng.random(n) * months).astype(np.int64)
        term = began + rng.integers(p.revoke_lag[0], p.revoke_lag[1] + 1, n)
        revoked = pick & (rng.random(n) >= p.never_revoked) & (term >= self.win_start)
        self.dormant_m[pick] = began[pick]
        self.stop_filer[pick] = True
        self.term_m[revoked] = term[revoked]
        self.term_type[revoked] = 1
        self.term_day[revoked] = rng.integers(1, 29, int(revoked.sum()))
        self.pre_dormant = np.flatnonzero(pick)

    def exit_hazard(self, mu: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Monthly probability that a firm with mean health ``mu`` leaves (revoked or closed),
        averaged over its AR(1) deviations (Gauss-Hermite, 5 nodes)."""
        p = self.p
        nodes, weights = np.polynomial.hermite_e.hermegauss(5)
        sd = p.sigma / np.sqrt(1 - p.phi**2)
        size_eff = np.array(p.haz_size)[size]
        onset = sum(
            w * sigmoid(p.haz_a + size_eff - p.haz_b * (mu + sd * z))
            for z, w in zip(nodes, weights / weights.sum(), strict=True)
        )
        leave = 1.0 - _PATH_A[size]
        return (onset + p.p0) * leave

    # ------------------------------------------------------------------ monthly state
    def advance(self, ym: int, shell: np.ndarray) -> Month:
        """Move health on by one month and return the month's activity (``shell``: no activity)."""
        p, F, rng, n = self.p, self.F, self.rng, self.n
        cal = M.month_of(ym)

        # latent health
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

        # who is there
        exists = F.founded_m <= ym
        alive = exists & (self.term_m > ym)
        dormant = alive & (self.dormant_m <= ym)
        winding = alive & (self.wind_m <= ym)
        active = alive & ~dormant

        # activity
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

        # headcount
        emp = np.maximum(
            np.round(
                F.emp * np.exp(0.12 * self.hs + 0.03 * noise[3]) * np.sqrt(ramp)
                * np.where(winding, 0.6, 1.0)
            ),
            1.0,
        )  # fmt: skip
        emp = np.where(shell, 0.0, emp)
        self.emp_now = np.where(alive, emp, self.emp_now)
        rd = rev * F.rd * np.exp(0.15 * h + 0.1 * noise[3])

        # calendar-year accumulators (the annual report)
        yr = self.yr
        yr["rev"] += rev
        yr["profit"] += np.where(alive, profit, 0.0)
        yr["vat"] += vat
        yr["cit"] += cit
        yr["h"] += np.where(alive, h, 0.0)
        yr["n"] += alive
        yr["rd"] += rd
        return Month(ym, h, self.hs, exists, alive, dormant, winding, active, rev, profit, vat,
                     cit, emp, rd)  # fmt: skip

    def onsets(self, ym: int, alive: np.ndarray) -> Onsets:
        """Start distress by chance (not a rule) and schedule where each onset leads."""
        p, F, rng, n = self.p, self.F, self.rng, self.n
        eligible = alive & (self.term_m == NEVER) & (self.dormant_m == NEVER)
        h = self.h
        p_h = sigmoid(p.haz_a + np.array(p.haz_size)[F.size] + p.haz_b * (-h))
        u = rng.random(n)
        onset = eligible & (u < p_h + p.p0)
        warned = u < p_h
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
        sue = np.flatnonzero(a | (b & (rng.random(n) < 0.3)))
        return Onsets(int((onset & warned).sum()), int((onset & ~warned).sum()), sue, warned[sue])

    def close_year(self, year: int) -> None:
        """December: keep the year's sums (and the headcount at year end) for the report."""
        self.yr.close(year, emp=self.emp_now.copy())
