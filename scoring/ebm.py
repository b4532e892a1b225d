"""Additive shape functions grown as explainable boosting machines grow their main effects:
many rounds of small trees on fine bins, shrunk by a small learning rate.

Every feature is cut into up to ``max_bins`` fine quantile bins, plus one bin for missing
values. A round fits, for every feature, a tree of at most ``max_leaves`` leaves over its
ordered bins from the log-loss gradient and Hessian summed per bin: the best split point, then
the best split of one of the two sides (best first), each leaf holding at least
``min_samples_leaf`` rows and ``min_hessian``; missing values are always a leaf of their own.
Each leaf takes its Newton value, shrunk by ``learning_rate``. The first ``smoothing_rounds``
rounds place the split points at random among the allowed ones (interpret's smoothing rounds:
a smooth start for the shapes). A feature with a direction (``monotone="splits"``, default)
only accepts splits after which its shape is still monotone that way (a tree may flatten a
step that grew too steep, never reverse it), so every shape is monotone at every round, empty
bins included; ``monotone="project"`` grows free trees and projects each shape back onto
monotone shapes after every round (weighted isotonic regression). Rounds stop when the
validation log-loss has not improved (by ``tolerance``, relative) for ``patience`` rounds; the
best round's shapes are kept. The result is piecewise constant with data-driven cut points:
an ``AdditiveFit`` over the fine bins, exactly additive (``merge_equal_bins`` drops the cuts
no tree ever used).

Unlike interpret, which steps one feature after the other, a round computes every feature's
tree from the same gradient and applies them together (vectorised over the features: the
per-bin sums are one sparse product with a rows x bins indicator matrix); each tree is centred
(Hessian-weighted mean 0) and the intercept takes its own Newton step, so the features' trees
do not all move the overall level at once. On more training rows than ``round_rows`` a round
reads the next block of that many rows of a fixed shuffle (stochastic gradient boosting), so
the cost of a round stays bounded; the validation loss is then measured on at most
``round_rows`` held-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import isotonic_regression
from scipy.special import expit

from scoring.boosting import AdditiveFit, bin_index, quantile_cuts


@dataclass(frozen=True)
class EbmSettings:
    """How ``fit_ebm_rounds`` grows its trees; defaults follow interpret's
    ``ExplainableBoostingClassifier`` (0.7: learning rate 0.015, 75 smoothing rounds, at least 4
    rows a leaf, Hessian 1e-4, no ridge, missing values a separate leaf, patience 100 rounds at
    relative tolerance 1e-5; 0.2-0.4: three leaves a tree, 8 outer bags), except 256 fine bins
    (interpret: 1,024) and at most 5,000 rounds (interpret: 50,000), for the fit time.
    ``monotone``: ``"splits"`` allows only splits that keep a directed shape monotone,
    ``"project"`` projects the shapes after every round. ``round_rows``: most training rows a
    round reads (a block of a fixed shuffle above it) and validation rows it scores."""

    max_bins: int = 256
    learning_rate: float = 0.015
    max_leaves: int = 3
    min_samples_leaf: int = 4
    min_hessian: float = 1e-4
    l2: float = 0.0
    smoothing_rounds: int = 75
    max_rounds: int = 5000
    patience: int = 100
    tolerance: float = 1e-5
    bags: int = 8
    round_rows: int = 20_000
    monotone: str = "splits"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.max_bins < 2 or self.max_leaves not in (2, 3) or not 0 < self.learning_rate <= 1:
            raise ValueError(
                "EbmSettings: max_bins >= 2, max_leaves 2 or 3, learning_rate in (0, 1]"
            )
        if self.monotone not in ("project", "splits"):
            raise ValueError(f"EbmSettings.monotone must be project or splits: {self.monotone!r}")
        if self.min_samples_leaf < 1 or self.min_hessian < 0 or self.l2 < 0:
            raise ValueError("EbmSettings: min_samples_leaf >= 1, min_hessian and l2 >= 0")
        if self.bags < 1 or self.round_rows < 100 or self.max_rounds < 1 or self.patience < 1:
            raise ValueError("EbmSettings needs bags, max_rounds, patience >= 1, round_rows >= 100")


def _segment_gain(g: np.ndarray, h: np.ndarray, l2: float) -> np.ndarray:
    return g * g / (h + l2 + 1e-300)


def _pick(gain: np.ndarray, valid: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Return per feature (row) the chosen split position (column), -1 when none is valid: the
    best gain, or with ``rng`` a uniformly random valid position."""
    any_valid = valid.any(axis=1)
    if rng is None:
        choice = np.argmax(np.where(valid, gain, -np.inf), axis=1)
    else:
        count = valid.sum(axis=1)
        target = np.floor(rng.random(valid.shape[0]) * np.maximum(count, 1)).astype(np.int64)
        choice = np.argmax(np.cumsum(valid, axis=1) > target[:, None], axis=1)
    return np.where(any_valid, choice, -1)


def _project(shape: np.ndarray, weight: np.ndarray, present: np.ndarray, sign: float) -> None:
    """Replace ``shape`` (value bins) in place by its ``weight``-weighted isotonic regression
    (rising for ``sign`` > 0, falling below 0); empty bins take their left neighbour's value."""
    shape[present] = isotonic_regression(
        shape[present], weights=weight[present], increasing=sign > 0
    ).x
    index = np.maximum.accumulate(np.where(present, np.arange(shape.size), 0))
    shape[:] = shape[index]


def grow_trees(
    G: np.ndarray,
    H: np.ndarray,
    C: np.ndarray,
    signs: np.ndarray,
    settings: EbmSettings,
    rng: np.random.Generator | None = None,
    slack: np.ndarray | None = None,
) -> np.ndarray:
    """Return every feature's tree (Newton leaf values, unshrunk) over its ordered value bins.

    ``G``, ``H``, ``C``: features x bins gradient, Hessian and row sums (value bins only).
    ``signs``: per feature -1 (the shape may only fall along the bins), +1 (only rise), 0.
    ``slack``: features x (bins - 1), how far each step of the current shape is from breaking
    that (``sign * (shape[t + 1] - shape[t])``, default 0): a split is allowed only where the
    shape plus ``learning_rate`` times the tree stays monotone, so a tree may also flatten a
    shape that rose too steeply. With ``rng`` the split points are random among the allowed
    ones (smoothing rounds).

    Examples
    --------
    >>> G = np.array([[-4.0, -4.0, 4.0, 4.0]]); H = np.full((1, 4), 2.0); C = np.full((1, 4), 8.0)
    >>> grow_trees(G, H, C, np.zeros(1), EbmSettings()).tolist()
    [[2.0, 2.0, -2.0, -2.0]]
    """
    k, b = G.shape
    l2, least, least_h = settings.l2, settings.min_samples_leaf, settings.min_hessian
    if b < 2:  # one value bin (constant columns): a single leaf
        return -G / (H + l2 + 1e-300)
    cg, ch, cc = np.cumsum(G, axis=1), np.cumsum(H, axis=1), np.cumsum(C, axis=1)
    tg, th, tc = cg[:, -1:], ch[:, -1:], cc[:, -1:]
    # Split at position t (0..b-2): left holds bins 0..t, right t+1..b-1.
    lg, lh, lc = cg[:, :-1], ch[:, :-1], cc[:, :-1]
    rg, rh, rc = tg - lg, th - lh, tc - lc
    left_v, right_v = -lg / (lh + l2 + 1e-300), -rg / (rh + l2 + 1e-300)
    s = signs[:, None] * settings.learning_rate
    slack = np.zeros((k, b - 1)) if slack is None else slack
    valid = (lc >= least) & (rc >= least) & (lh >= least_h) & (rh >= least_h)
    valid &= slack + s * (right_v - left_v) >= 0
    gain = _segment_gain(lg, lh, l2) + _segment_gain(rg, rh, l2)
    first = _pick(gain, valid, rng)
    rows = np.arange(k)
    position = np.arange(b)[None, :]
    root = -tg / (th + l2 + 1e-300)
    out = np.broadcast_to(root, (k, b)).copy()
    split = first >= 0
    t1 = np.where(split, first, 0)
    out = np.where(split[:, None] & (position > t1[:, None]), right_v[rows, t1][:, None], out)
    out = np.where(split[:, None] & (position <= t1[:, None]), left_v[rows, t1][:, None], out)
    if settings.max_leaves < 3 or not split.any() or b < 3:
        return out
    # Best first: one more split on either side of the first, leaves still ordered.
    a_g, a_h, a_c = cg[rows, t1][:, None], ch[rows, t1][:, None], cc[rows, t1][:, None]
    on_left = np.arange(b - 1)[None, :] < t1[:, None]
    on_right = np.arange(b - 1)[None, :] > t1[:, None]
    # segment sums of the two new leaves for a second cut at t
    ng = np.where(on_left, lg, lg - a_g)
    nh = np.where(on_left, lh, lh - a_h)
    nc = np.where(on_left, lc, lc - a_c)
    mg = np.where(on_left, a_g - lg, tg - lg)
    mh = np.where(on_left, a_h - lh, th - lh)
    mc = np.where(on_left, a_c - lc, tc - lc)
    parent_g = np.where(on_left, a_g, tg - a_g)
    parent_h = np.where(on_left, a_h, th - a_h)
    other_v = np.where(on_left, right_v[rows, t1][:, None], left_v[rows, t1][:, None])
    n_v, m_v = -ng / (nh + l2 + 1e-300), -mg / (mh + l2 + 1e-300)
    at_t1 = slack[rows, t1][:, None]
    ordered = slack + s * (m_v - n_v) >= 0
    ordered &= np.where(on_left, at_t1 + s * (other_v - m_v) >= 0, at_t1 + s * (n_v - other_v) >= 0)
    valid2 = (on_left | on_right) & (nc >= least) & (mc >= least) & (nh >= least_h)
    valid2 &= (mh >= least_h) & ordered & split[:, None]
    gain2 = (
        _segment_gain(ng, nh, l2)
        + _segment_gain(mg, mh, l2)
        - _segment_gain(parent_g, parent_h, l2)
    )
    valid2 &= gain2 > 0 if rng is None else valid2
    second = _pick(gain2, valid2, rng)
    more = second >= 0
    t2 = np.where(more, second, 0)
    lo, hi = np.minimum(t1, t2)[:, None], np.maximum(t1, t2)[:, None]
    n_at, m_at = n_v[rows, t2][:, None], m_v[rows, t2][:, None]
    # the leaf that was split is [.., t2] (n) and (t2, ..] (m) within its side
    mid = (position > lo) & (position <= hi)
    left_side = (t2 < t1)[:, None]
    new = np.where(
        left_side,
        np.where(position <= lo, n_at, np.where(mid, m_at, out)),
        np.where(mid, n_at, np.where(position > hi, m_at, out)),
    )
    return np.where(more[:, None], new, out)


def fit_ebm_rounds(
    U: ArrayLike,
    y: ArrayLike,
    *,
    monotone: ArrayLike | None = None,
    validation: ArrayLike | None = None,
    settings: EbmSettings | None = None,
    cuts: list[np.ndarray] | None = None,
    bins: np.ndarray | None = None,
) -> AdditiveFit:
    """Return additive shape functions of ``U`` for the outcome ``y``, grown round by round.

    Parameters
    ----------
    U : array_like
        Rows x features, any scale (NaN = missing; its own bin).
    y : array_like
        0/1 outcomes (1 = event); needs both classes.
    monotone : array_like, optional
        Per feature: -1 the log-odds may only fall as the value rises, +1 only rise, 0 free.
    validation : array_like of bool, optional
        Rows held out for early stopping (not fitted on). None fits ``max_rounds`` rounds.
    settings : EbmSettings, optional
    cuts, bins : optional
        Inner cut points per feature (default ``quantile_cuts`` of the training part at
        ``settings.max_bins``) and ``bin_index`` of every column on them (bagged fits share
        both, and ``average_fits`` averages fits that share their cuts).

    Returns
    -------
    AdditiveFit
        ``cycles`` counts the rounds kept.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> U = rng.uniform(size=(4000, 2))
    >>> y = rng.random(4000) < 1 / (1 + np.exp(2 + 3 * (U[:, 0] - 0.5)))
    >>> fit = fit_ebm_rounds(U, y, monotone=[-1, 0], validation=rng.random(4000) < 0.2)
    >>> bool(np.all(np.diff(fit.shapes[0][:-1]) <= 1e-12)), float(np.ptp(fit.shapes[0])) > 1.5
    (True, True)
    """
    settings = settings or EbmSettings()
    U = np.asarray(U, dtype=float)
    y = np.asarray(y).astype(float)
    n, k = U.shape
    if y.shape != (n,):
        raise ValueError(f"y must have {n} rows, got shape {y.shape}")
    signs = np.zeros(k) if monotone is None else np.asarray(monotone, dtype=float)
    held = np.zeros(n, dtype=bool) if validation is None else np.asarray(validation, dtype=bool)
    train = ~held
    if not 0 < y[train].sum() < train.sum():
        raise ValueError("the training part needs both events and non-events")
    if cuts is None:
        cuts = [quantile_cuts(U[train, j], settings.max_bins) for j in range(k)]
    if bins is None:
        bins = np.empty((n, k), dtype=np.intp, order="F")
        for j in range(k):
            bins[:, j] = bin_index(U[:, j], cuts[j])
    values = np.array([c.size + 1 for c in cuts])  # value bins per feature
    width = int(values.max()) + 1  # every feature's slots: its value bins, padding, missing last
    rng = np.random.default_rng(settings.seed)
    offsets = (np.arange(k) * width).astype(np.int64)

    size = k * width

    def one_hot(rows: np.ndarray) -> sparse.csr_matrix:
        """Rows x (features x slots) indicator matrix: a score is one product with it, the
        gradient's sums per bin one product with its transpose (faster than ``np.bincount``
        over a repeated gradient, and no rows x features temporary)."""
        part = np.asarray(bins[rows], dtype=np.int64)
        part = np.where(part == values[None, :], width - 1, part)  # missing: the last slot
        index = (part + offsets[None, :]).astype(np.int32).ravel()
        pointer = np.arange(0, index.size + 1, k, dtype=np.int64)
        return sparse.csr_matrix((np.ones(index.size), index, pointer), shape=(rows.size, size))

    train_rows = np.flatnonzero(train)
    y_all = y[train_rows]
    whole = one_hot(train_rows)
    counts_all = np.asarray(whole.sum(axis=0)).reshape(k, width)
    events_all = (whole.T @ y_all).reshape(k, width)
    if train_rows.size > settings.round_rows:
        # Stochastic rounds: fixed blocks of a shuffle, each read in turn.
        order = rng.permutation(train_rows.size)
        parts = np.array_split(order, -(-train_rows.size // settings.round_rows))
        blocks = [(one_hot(train_rows[q]), y_all[q]) for q in parts]
        del whole
    else:
        blocks = [(whole, y_all)]
    block_counts = [np.asarray(M.sum(axis=0)).reshape(k, width) for M, _ in blocks]
    held_rows = np.flatnonzero(held)
    if held_rows.size > settings.round_rows:
        held_rows = np.sort(rng.choice(held_rows, settings.round_rows, replace=False))
    m_held, y_held = one_hot(held_rows), y[held_rows]
    rate = float(np.clip(y[train].mean(), 1e-9, 1 - 1e-9))
    intercept = float(np.log(rate / (1 - rate)))
    shapes = np.zeros(size)
    score_held = np.full(y_held.size, intercept)

    def loss() -> float:
        if y_held.size == 0:
            return float("nan")
        return float(np.mean(np.logaddexp(0.0, score_held) - y_held * score_held))

    best = (loss(), 0, shapes.copy(), intercept)
    stale = 0
    project = settings.monotone == "project"
    tree_signs = np.zeros(k) if project else signs
    slack = None
    constrained = [j for j in range(k) if signs[j] != 0 and values[j] > 1] if project else []
    present = {j: counts_all[j, : values[j]] > 0 for j in constrained}
    for round_ in range(1, settings.max_rounds + 1):
        M, target = blocks[(round_ - 1) % len(blocks)]
        C = block_counts[(round_ - 1) % len(blocks)]
        p = expit(intercept + M @ shapes)
        grad, hess = p - target, p * (1.0 - p)
        GH = M.T @ np.column_stack([grad, hess])
        G, H = GH[:, 0].reshape(k, width), GH[:, 1].reshape(k, width)
        smoothing = round_ <= settings.smoothing_rounds
        step = np.empty((k, width))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step[:, :-1] = grow_trees(
                G[:, :-1],
                H[:, :-1],
                C[:, :-1],
                tree_signs,
                settings,
                rng if smoothing else None,
                slack,
            )
        enough = (C[:, -1] >= settings.min_samples_leaf) & (H[:, -1] >= settings.min_hessian)
        step[:, -1] = np.where(enough, -G[:, -1] / (H[:, -1] + settings.l2 + 1e-300), 0.0)
        # Centre each tree (its Hessian-weighted mean moves the level, not the shape); the
        # intercept takes that move once, by its own Newton step.
        weight = H.sum(axis=1)
        step -= ((step * H).sum(axis=1) / np.where(weight > 0, weight, 1.0))[:, None]
        delta = settings.learning_rate * step.ravel()
        if constrained:
            new = (shapes + delta).reshape(k, width)
            for j in constrained:
                _project(new[j, : values[j]], counts_all[j, : values[j]], present[j], signs[j])
            delta = new.ravel() - shapes
        shapes += delta
        if not project:
            table = shapes.reshape(k, width)[:, :-1]
            slack = np.maximum(signs[:, None] * np.diff(table, axis=1), 0.0)
        # Centred trees leave the gradient's sum unchanged to first order: the intercept's
        # Newton step is the one at the scores before the round.
        shift = -float(grad.sum() / max(float(hess.sum()), 1e-12))
        intercept += shift
        if y_held.size:
            score_held += m_held @ delta + shift
        current = loss()
        if y_held.size == 0:
            best = (current, round_, shapes, intercept)
            continue
        if current < best[0] - abs(best[0]) * settings.tolerance:
            best, stale = (current, round_, shapes.copy(), intercept), 0
        else:
            stale += 1
            if stale >= settings.patience:
                break
    held_loss, rounds, shapes, intercept = best
    table = shapes.reshape(k, width)
    total = float(train.sum())
    out_shapes, rows, events = [], [], []
    for j in range(k):
        shape = np.r_[table[j, : values[j]], table[j, -1]]
        count = np.r_[counts_all[j, : values[j]], counts_all[j, -1]].astype(float)
        if count[-1] == 0:
            shape[-1] = 0.0  # never seen missing: neutral (before centring)
        mean = float(count @ shape / total)
        out_shapes.append(shape - mean)
        intercept += mean
        rows.append(count)
        events.append(np.r_[events_all[j, : values[j]], events_all[j, -1]])
    return AdditiveFit(intercept, list(cuts), out_shapes, rows, events, rounds, held_loss)


def merge_equal_bins(
    cuts: np.ndarray, shape: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the cut points and shape (missing last) without the cuts between value bins of
    equal value (the same step function over fewer bins), and each old value bin's new bin.

    Examples
    --------
    >>> cuts, shape, to = merge_equal_bins(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5, 2, 2, 9]))
    >>> cuts.tolist(), shape.tolist(), to.tolist()
    ([2.0], [5.0, 2.0, 9.0], [0, 0, 1, 1])
    """
    value = shape[:-1]
    keep = np.flatnonzero(np.diff(value) != 0)  # cut k separates value bins k and k + 1
    to = np.searchsorted(keep, np.arange(value.size), side="left")
    return cuts[keep], np.r_[value[np.r_[0, keep + 1]], shape[-1]], to
