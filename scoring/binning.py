"""Monotone bins with weight of evidence (WOE) and information value (IV), missing as its own bin.

An indicator is first placed on a 0-1 scale where higher is healthier (its peer share, flipped
for indicators where lower is better). Fine quantile bins are then pooled by isotonic regression
(``scipy.optimize.isotonic_regression``) so that the distress rate never rises as the value
improves; bins smaller than ``min_share`` of the rows are merged into their closest neighbour.
Each bin's WOE is ``ln(share of non-events / share of events)``, smoothed towards the population
odds so a small bin cannot get an extreme value; higher WOE is healthier. Missing values get
their own bin with its own WOE (when it holds enough rows, else 0, the population average): in
administrative data a missing filing is often the strongest signal there is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import isotonic_regression
from scipy.stats import chi2


@dataclass(frozen=True)
class MonotoneBins:
    """Fitted bins of one indicator on the 0-1 "higher is healthier" scale.

    Bin ``k`` holds the values ``u`` with ``cuts[k - 1] <= u < cuts[k]`` (the first bin starts
    at 0, the last ends at 1); ``woe`` is non-decreasing in ``k``.

    Attributes
    ----------
    cuts : numpy.ndarray
        Increasing inner cut points (``len(woe) - 1`` of them).
    woe : numpy.ndarray
        WOE of each bin.
    rows, events : numpy.ndarray
        Training rows and events in each bin.
    missing_woe : float
        WOE of a missing value.
    missing_rows, missing_events : int
        Training rows and events with a missing value.
    iv : float
        Information value over the bins and the missing bin.
    p_value : float
        Likelihood-ratio (G) test that the event rate is the same in every bin, missing bin
        included; a small value means the bins separate events better than chance.
    """

    cuts: np.ndarray
    woe: np.ndarray
    rows: np.ndarray
    events: np.ndarray
    missing_woe: float
    missing_rows: int
    missing_events: int
    iv: float
    p_value: float = float("nan")

    def assign(self, u: np.ndarray) -> np.ndarray:
        """Return the bin of each value: 0, 1, ... and -1 where ``u`` is NaN.

        Examples
        --------
        >>> bins = fit_monotone_bins([0.1, 0.9], [1, 0], min_share=0.0)
        >>> bins.assign(np.array([0.0, 0.95, np.nan])).tolist()
        [0, 1, -1]
        """
        u = np.asarray(u, dtype=float)
        out = np.searchsorted(self.cuts, u, side="right").astype(np.int64)
        out[np.isnan(u)] = -1
        return out

    def woe_of(self, u: np.ndarray) -> np.ndarray:
        """Return the WOE of each value (the missing-bin WOE where ``u`` is NaN)."""
        bins = self.assign(u)
        return np.where(bins >= 0, self.woe[np.maximum(bins, 0)], self.missing_woe)

    def lower_edge(self, k: int) -> float:
        """Return the smallest ``u`` in bin ``k``."""
        return 0.0 if k == 0 else float(self.cuts[k - 1])

    def to_dict(self) -> dict:
        """Return the bins as plain lists (JSON-ready)."""
        return {
            "cuts": self.cuts.tolist(),
            "woe": self.woe.tolist(),
            "rows": self.rows.tolist(),
            "events": self.events.tolist(),
            "missing_woe": self.missing_woe,
            "missing_rows": self.missing_rows,
            "missing_events": self.missing_events,
            "iv": self.iv,
            "p_value": self.p_value,
        }

    @classmethod
    def from_dict(cls, data: dict) -> MonotoneBins:
        """Return bins saved by ``to_dict``."""
        return cls(
            cuts=np.asarray(data["cuts"], dtype=float),
            woe=np.asarray(data["woe"], dtype=float),
            rows=np.asarray(data["rows"], dtype=np.int64),
            events=np.asarray(data["events"], dtype=np.int64),
            missing_woe=float(data["missing_woe"]),
            missing_rows=int(data["missing_rows"]),
            missing_events=int(data["missing_events"]),
            iv=float(data["iv"]),
            p_value=float(data.get("p_value", float("nan"))),
        )


def smoothed_woe(
    goods: ArrayLike, bads: ArrayLike, total_goods: float, total_bads: float, prior: float
) -> np.ndarray:
    """Return ``ln((g / G) / (b / B))`` with ``prior`` pseudo-rows at the population odds added.

    With ``prior = 0`` this is the textbook WOE (infinite for a bin without events); a prior of
    a few rows pulls small bins towards 0 and leaves large ones as they are.

    Examples
    --------
    >>> smoothed_woe([90, 10], [10, 10], 100, 20, 0.0).round(4).tolist()
    [0.5878, -1.6094]
    """
    g = np.asarray(goods, dtype=float)
    b = np.asarray(bads, dtype=float)
    total = total_goods + total_bads
    g_s = g + prior * total_goods / total
    b_s = b + prior * total_bads / total
    with np.errstate(divide="ignore"):
        return np.log(g_s / total_goods) - np.log(b_s / total_bads)


def fit_monotone_bins(
    u: ArrayLike,
    y: ArrayLike,
    *,
    fine_bins: int = 20,
    min_share: float = 0.05,
    min_missing: int = 30,
    prior: float = 10.0,
) -> MonotoneBins:
    """Return monotone bins of ``u`` (higher healthier) for the outcome ``y`` (1 = event).

    Parameters
    ----------
    u : array_like
        Values on a scale where higher is healthier (e.g. direction-adjusted peer shares);
        NaN = missing.
    y : array_like
        0/1 outcomes, same length; needs at least one event and one non-event.
    fine_bins : int
        Quantile bins to start from.
    min_share : float
        Smallest share of the non-missing rows a final bin may hold.
    min_missing : int
        Fewest missing rows for the missing bin to get its own WOE (else 0).
    prior : float
        Pseudo-rows at the population odds added to every bin (see ``smoothed_woe``).

    Returns
    -------
    MonotoneBins

    Examples
    --------
    >>> u = np.r_[np.linspace(0, 1, 100), [np.nan] * 40]
    >>> y = np.r_[np.linspace(0, 1, 100) < 0.3, [1] * 10 + [0] * 30]
    >>> bins = fit_monotone_bins(u, y, fine_bins=10, min_share=0.1, prior=0.0)
    >>> bins.cuts.round(2).tolist(), bool(np.all(np.diff(bins.woe) >= 0))
    ([0.3], True)
    >>> round(bins.missing_woe, 3)
    0.182
    """
    u = np.asarray(u, dtype=float)
    y = np.asarray(y).astype(bool)
    if u.shape != y.shape or u.ndim != 1:
        raise ValueError("u and y must be 1-D of equal length")
    total_bads = float(y.sum())
    total_goods = float(y.size - total_bads)
    if total_bads == 0 or total_goods == 0:
        raise ValueError("fit_monotone_bins needs both events and non-events")
    missing = np.isnan(u)
    u_ok, y_ok = u[~missing], y[~missing]

    cuts = np.zeros(0)
    if u_ok.size:
        cuts = np.unique(np.quantile(u_ok, np.linspace(0, 1, fine_bins + 1)[1:-1]))
        cuts = cuts[cuts > u_ok.min()]
    fine = np.searchsorted(cuts, u_ok, side="right")
    rows = np.bincount(fine, minlength=cuts.size + 1).astype(float)
    bads = np.bincount(fine, weights=y_ok, minlength=cuts.size + 1)
    keep = rows > 0
    rows, bads = rows[keep], bads[keep]
    lower = np.r_[-np.inf, cuts][keep]  # lower edge of each non-empty fine bin

    # Pool adjacent violators: the event rate must not rise as u (health) rises.
    if rows.size:
        fit = isotonic_regression(bads / rows, weights=rows, increasing=False)
        starts = np.asarray(fit.blocks[:-1])
        rows, bads, lower = (
            np.add.reduceat(rows, starts),
            np.add.reduceat(bads, starts),
            lower[starts],
        )
    rows, bads, lower = _merge_small(rows, bads, lower, min_share * u_ok.size)
    if rows.size == 0:  # no value at all: one empty bin, neutral
        rows, bads, lower = np.zeros(1), np.zeros(1), np.array([-np.inf])
    woe = smoothed_woe(rows - bads, bads, total_goods, total_bads, prior)
    rows, bads, lower, woe = _merge_until_monotone(
        rows, bads, lower, woe, total_goods, total_bads, prior
    )
    woe = np.where(rows > 0, woe, 0.0)

    n_missing = int(missing.sum())
    bad_missing = int(y[missing].sum())
    if n_missing >= max(min_missing, 1):
        missing_woe = float(
            smoothed_woe([n_missing - bad_missing], [bad_missing], total_goods, total_bads, prior)[
                0
            ]
        )
    else:
        missing_woe = 0.0
    all_goods = np.r_[rows - bads, n_missing - bad_missing]
    all_bads = np.r_[bads, bad_missing]
    all_woe = np.r_[woe, missing_woe]
    iv = float(np.sum((all_goods / total_goods - all_bads / total_bads) * all_woe))
    return MonotoneBins(
        cuts=lower[1:].astype(float),
        woe=woe,
        rows=rows.astype(np.int64),
        events=bads.astype(np.int64),
        missing_woe=missing_woe,
        missing_rows=n_missing,
        missing_events=bad_missing,
        iv=iv,
        p_value=g_test(all_goods, all_bads),
    )


def g_test(goods: ArrayLike, bads: ArrayLike) -> float:
    """Return the p-value of the likelihood-ratio test that every bin has the same event rate.

    Empty bins are ignored; degrees of freedom are the non-empty bins minus one.

    Examples
    --------
    >>> round(g_test([50, 50], [50, 50]), 3), g_test([90, 10], [10, 90]) < 1e-6
    (1.0, True)
    """
    g = np.asarray(goods, dtype=float)
    b = np.asarray(bads, dtype=float)
    keep = (g + b) > 0
    g, b = g[keep], b[keep]
    if g.size < 2:
        return 1.0
    rows = g + b
    rate = b.sum() / rows.sum()
    expected_b = rows * rate
    expected_g = rows - expected_b
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(g > 0, g * np.log(g / expected_g), 0.0) + np.where(
            b > 0, b * np.log(b / expected_b), 0.0
        )
    return float(chi2.sf(2.0 * terms.sum(), g.size - 1))


def _merge(rows, bads, lower, i):
    """Merge bin ``i`` into bin ``i + 1``."""
    rows = np.r_[rows[:i], rows[i] + rows[i + 1], rows[i + 2 :]]
    bads = np.r_[bads[:i], bads[i] + bads[i + 1], bads[i + 2 :]]
    lower = np.r_[lower[: i + 1], lower[i + 2 :]]
    return rows, bads, lower


def _merge_small(rows, bads, lower, min_rows):
    """Merge the smallest bin below ``min_rows`` into the neighbour with the closer rate."""
    while rows.size > 1 and rows.min() < min_rows:
        i = int(rows.argmin())
        rate = bads / rows
        if i == 0:
            j = 0
        elif i == rows.size - 1:
            j = i - 1
        else:
            j = i - 1 if abs(rate[i] - rate[i - 1]) <= abs(rate[i] - rate[i + 1]) else i
        rows, bads, lower = _merge(rows, bads, lower, j)
    return rows, bads, lower


def _merge_until_monotone(rows, bads, lower, woe, total_goods, total_bads, prior):
    """Merge neighbours until smoothing has not broken the order of the WOE."""
    while woe.size > 1 and np.any(np.diff(woe) < 0):
        i = int(np.flatnonzero(np.diff(woe) < 0)[0])
        rows, bads, lower = _merge(rows, bads, lower, i)
        woe = smoothed_woe(rows - bads, bads, total_goods, total_bads, prior)
    return rows, bads, lower, woe
