"""Additive shape functions learnt by cyclic gradient boosting over fine bins (the idea of
explainable boosting machines), exactly additive in the log-odds.

Every feature is cut into fine quantile bins with one more bin for missing values. The model is
``logit P(y = 1) = intercept + sum_j f_j(bin_j)``: one number per feature and bin, so a score
is exactly the sum of its features' contributions. Fitting cycles over the features; each step
takes a Newton step for one feature from the gradient and Hessian of the log-loss summed per
bin (ridge-penalised by ``l2``): the best two-leaf split of its bins (or a per-bin step smoothed
over neighbouring bins), with the missing bin as its own leaf, shrinks it by the learning rate
and, for features with a known direction, projects the shape back onto monotone shapes
(``scipy.optimize.isotonic_regression``, weighted by the bins' rows). Cycles stop when the
log-loss on a held-out validation part has not improved for ``patience`` cycles; the best
cycle's shapes are kept. Shapes are centred (row-weighted mean 0 on the training rows)
with the shift moved into the intercept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import isotonic_regression
from scipy.special import expit


@dataclass(frozen=True)
class AdditiveFit:
    """A fitted additive model over binned features.

    Attributes
    ----------
    intercept : float
    cuts : list of numpy.ndarray
        Per feature, the increasing inner cut points: bin ``k`` holds ``cuts[k - 1] <= u <
        cuts[k]``.
    shapes : list of numpy.ndarray
        Per feature, the log-odds contribution of each value bin then of the missing bin (last).
    rows, events : list of numpy.ndarray
        Per feature and bin (missing last), training rows and events.
    cycles : int
        Boosting cycles kept (the best on the validation part).
    validation_loss : float
        Mean log-loss on the validation part at that cycle (NaN without one).
    """

    intercept: float
    cuts: list[np.ndarray]
    shapes: list[np.ndarray]
    rows: list[np.ndarray]
    events: list[np.ndarray]
    cycles: int
    validation_loss: float

    def decision(self, U: ArrayLike) -> np.ndarray:
        """Return the log-odds of every row of ``U`` (rows x features, NaN = missing)."""
        U = np.asarray(U, dtype=float)
        out = np.full(U.shape[0], self.intercept)
        for j, (cuts, shape) in enumerate(zip(self.cuts, self.shapes, strict=True)):
            out += shape[bin_index(U[:, j], cuts)]
        return out


def quantile_cuts(u: ArrayLike, max_bins: int) -> np.ndarray:
    """Return at most ``max_bins - 1`` inner cut points at the quantiles of the present values.

    Examples
    --------
    >>> quantile_cuts([0.1, 0.2, 0.3, 0.4, np.nan], 2).tolist()
    [0.25]
    >>> quantile_cuts([0.5, 0.5, 0.5], 8).tolist()
    []
    """
    u = np.asarray(u, dtype=float)
    u = u[~np.isnan(u)]
    if u.size == 0:
        return np.zeros(0)
    cuts = np.unique(np.quantile(u, np.linspace(0, 1, max_bins + 1)[1:-1]))
    return cuts[cuts > u.min()]


def bin_index(u: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Return the bin of each value (``len(cuts) + 1`` for missing).

    Examples
    --------
    >>> bin_index(np.array([0.0, 0.3, np.nan]), np.array([0.25])).tolist()
    [0, 1, 2]
    """
    out = np.searchsorted(cuts, u, side="right")
    out[np.isnan(u)] = cuts.size + 1
    return out


def _smooth(step: np.ndarray, weight: np.ndarray, width: int) -> np.ndarray:
    """Return the ``weight``-weighted moving average of ``step`` over ``2 * width + 1`` bins."""
    width = min(width, (step.size - 1) // 2)  # the kernel never outgrows the bins
    if width <= 0:
        return step
    kernel = np.ones(2 * width + 1)
    num = np.convolve(step * weight, kernel, mode="same")
    den = np.convolve(weight, kernel, mode="same")
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _stump(g: np.ndarray, h: np.ndarray, l2: float) -> np.ndarray:
    """Return the Newton step of the best two-leaf split of the ordered bins (one cut point):
    a step is a staircase, not a per-bin fit, so bins with few rows cannot chase noise."""
    if g.size < 2:
        return -g / (h + l2)
    gl, hl = np.cumsum(g)[:-1], np.cumsum(h)[:-1]
    gr, hr = g.sum() - gl, h.sum() - hl
    gain = gl**2 / (hl + l2) + gr**2 / (hr + l2)
    s = int(np.argmax(gain)) + 1
    out = np.empty(g.size)
    out[:s] = -gl[s - 1] / (hl[s - 1] + l2)
    out[s:] = -gr[s - 1] / (hr[s - 1] + l2)
    return out


def fit_cyclic_boosting(
    U: ArrayLike,
    y: ArrayLike,
    *,
    monotone: ArrayLike | None = None,
    validation: ArrayLike | None = None,
    max_bins: int = 32,
    learning_rate: float = 0.3,
    l2: float = 2.0,
    smoothing: int = 1,
    max_cycles: int = 60,
    patience: int = 3,
    cuts: list[np.ndarray] | None = None,
    stumps: bool = True,
    bins: np.ndarray | None = None,
) -> AdditiveFit:
    """Return additive shape functions of ``U`` for the outcome ``y``, fitted by cyclic boosting.

    Parameters
    ----------
    U : array_like
        Rows x features, any scale (NaN = missing; its own bin).
    y : array_like
        0/1 outcomes (1 = event); needs both classes.
    monotone : array_like, optional
        Per feature: -1 the log-odds may only fall as the value rises, +1 only rise, 0 free.
    validation : array_like of bool, optional
        Rows held out for early stopping (not fitted on). None fits every row for
        ``max_cycles`` cycles.
    max_bins : int
        Quantile bins per feature (plus the missing bin).
    learning_rate, l2, smoothing : float, float, int
        Shrinkage of each step, ridge penalty per bin (in Hessian units), and half-width (in
        bins) of the moving average that smooths a per-bin step.
    max_cycles, patience : int
        At most this many passes over the features; stop after ``patience`` without a better
        validation log-loss.
    cuts : list of numpy.ndarray, optional
        Inner cut points per feature (default ``quantile_cuts`` of the training part): fits
        that share them can be averaged bin by bin (``average_fits``).
    bins : numpy.ndarray, optional
        ``bin_index`` of every column of ``U`` on ``cuts`` (rows x features, intp) when the
        caller has it already (bagged fits share it).
    stumps : bool
        Each step is the best two-leaf split of the feature's bins (the missing bin its own
        leaf), as explainable boosting machines grow it; False takes a per-bin Newton step
        smoothed over ``smoothing`` neighbours.

    Returns
    -------
    AdditiveFit

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> U = rng.uniform(size=(4000, 2))
    >>> y = rng.random(4000) < 1 / (1 + np.exp(2 + 3 * (U[:, 0] - 0.5)))
    >>> fit = fit_cyclic_boosting(U, y, monotone=[-1, 0], validation=rng.random(4000) < 0.2)
    >>> bool(np.all(np.diff(fit.shapes[0][:-1]) <= 1e-12)), float(np.ptp(fit.shapes[0])) > 1.5
    (True, True)
    """
    U = np.asarray(U, dtype=float)
    y = np.asarray(y).astype(float)
    n, k = U.shape
    if y.shape != (n,):
        raise ValueError(f"y must have {n} rows, got shape {y.shape}")
    if not 0 < y.sum() < n:
        raise ValueError("fit_cyclic_boosting needs both events and non-events")
    signs = np.zeros(k) if monotone is None else np.asarray(monotone, dtype=float)
    held = np.zeros(n, dtype=bool) if validation is None else np.asarray(validation, dtype=bool)
    train = ~held
    if not 0 < y[train].sum() < train.sum():
        raise ValueError("the training part needs both events and non-events")
    if cuts is None:
        cuts = [quantile_cuts(U[train, j], max_bins) for j in range(k)]
    if bins is None:
        bins = np.empty((n, k), dtype=np.intp, order="F")
        for j in range(k):
            bins[:, j] = bin_index(U[:, j], cuts[j])
    b_train, b_held = np.asfortranarray(bins[train]), np.asfortranarray(bins[held])
    y_train, y_held = y[train], y[held]
    sizes = [c.size + 2 for c in cuts]
    counts = [np.bincount(b_train[:, j], minlength=sizes[j]).astype(float) for j in range(k)]
    events = [np.bincount(b_train[:, j], weights=y_train, minlength=sizes[j]) for j in range(k)]
    rate = float(np.clip(y_train.mean(), 1e-9, 1 - 1e-9))
    intercept = float(np.log(rate / (1 - rate)))
    shapes = [np.zeros(s) for s in sizes]
    f_train = np.full(y_train.size, intercept)
    f_held = np.full(y_held.size, intercept)

    def held_loss() -> float:
        if y_held.size == 0:
            return float("nan")
        return float(np.mean(np.logaddexp(0.0, f_held) - y_held * f_held))

    best = (held_loss(), 0, [s.copy() for s in shapes])
    stale = 0
    cycles = 0
    # Work arrays reused by every step (the same arithmetic, without a fresh allocation and
    # its page faults per step).
    p, grad, hess, one_minus = (np.empty(y_train.size) for _ in range(4))
    moved = np.empty(y_train.size)
    moved_held = np.empty(y_held.size)
    for cycle in range(1, max_cycles + 1):
        cycles = cycle
        for j in range(k):
            if sizes[j] <= 2 and counts[j][-1] == 0:
                continue  # a constant column without missing values: nothing to learn
            expit(f_train, out=p)
            np.subtract(p, y_train, out=grad)
            np.subtract(1.0, p, out=one_minus)
            np.multiply(p, one_minus, out=hess)
            g = np.bincount(b_train[:, j], weights=grad, minlength=sizes[j])
            h = np.bincount(b_train[:, j], weights=hess, minlength=sizes[j])
            step = -g / (h + l2)
            step[:-1] = (
                _stump(g[:-1], h[:-1], l2) if stumps else _smooth(step[:-1], h[:-1], smoothing)
            )
            new = shapes[j] + learning_rate * step
            if signs[j] != 0 and sizes[j] > 2:
                present = counts[j][:-1] > 0
                values = new[:-1]
                fitted = isotonic_regression(
                    values[present], weights=counts[j][:-1][present], increasing=signs[j] > 0
                ).x
                values[present] = fitted
                # empty bins (no training row) take their left neighbour's value
                index = np.maximum.accumulate(np.where(present, np.arange(values.size), 0))
                values[:] = values[index]
                new[:-1] = values
            if counts[j][-1] == 0:
                new[-1] = 0.0  # never seen missing: neutral
            delta = new - shapes[j]
            shapes[j] = new
            f_train += np.take(delta, b_train[:, j], out=moved)
            if y_held.size:
                f_held += np.take(delta, b_held[:, j], out=moved_held)
        loss = held_loss()
        if y_held.size == 0:
            best = (loss, cycle, shapes)
            continue
        if loss < best[0] - 1e-7:
            best, stale = (loss, cycle, [s.copy() for s in shapes]), 0
        else:
            stale += 1
            if stale >= patience:
                break
    loss, cycles, shapes = best
    total = float(train.sum())
    centred = []
    for j in range(k):
        mean = float(counts[j] @ shapes[j] / total)
        centred.append(shapes[j] - mean)
        intercept += mean
    return AdditiveFit(intercept, cuts, centred, counts, events, cycles, loss)


def average_fits(fits: list[AdditiveFit]) -> AdditiveFit:
    """Return the bin-by-bin mean of fits that share their cut points (bagging): still one
    number per feature and bin, so still exactly additive.

    Examples
    --------
    >>> one = AdditiveFit(0.0, [np.zeros(0)], [np.array([1.0, 0.0])], [np.ones(2)],
    ...                   [np.ones(2)], 3, 0.5)
    >>> two = AdditiveFit(1.0, [np.zeros(0)], [np.array([3.0, 0.0])], [np.ones(2)],
    ...                   [np.ones(2)], 5, 0.3)
    >>> mean = average_fits([one, two])
    >>> mean.intercept, mean.shapes[0].tolist(), mean.cycles
    (0.5, [2.0, 0.0], 4)
    """
    first = fits[0]
    k = len(first.shapes)
    return AdditiveFit(
        intercept=float(np.mean([f.intercept for f in fits])),
        cuts=first.cuts,
        shapes=[np.mean([f.shapes[j] for f in fits], axis=0) for j in range(k)],
        rows=[np.sum([f.rows[j] for f in fits], axis=0) / len(fits) for j in range(k)],
        events=[np.sum([f.events[j] for f in fits], axis=0) / len(fits) for j in range(k)],
        cycles=int(round(np.mean([f.cycles for f in fits]))),
        validation_loss=float(np.mean([f.validation_loss for f in fits])),
    )
