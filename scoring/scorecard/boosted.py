"""The boosted scorecard's indicators: shape functions learnt by cyclic boosting
(``scoring.boosting``) on the direction-adjusted peer shares, stored as fine bins so that
points, reasons and the next-grade plan work exactly as for WOE bins."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from scoring.binning import MonotoneBins
from scoring.boosting import average_fits, bin_index, fit_cyclic_boosting, quantile_cuts
from scoring.ebm import fit_ebm_rounds, merge_equal_bins
from scoring.scorecard.config import ScorecardConfig
from scoring.scorecard.types import IndicatorModel


def unit_draws(frame: pl.DataFrame, group_column: str | None, seed: int) -> np.ndarray:
    """Return one uniform draw per row, the same for every row of a unit (``group_column``),
    fixed by ``seed`` and by the unit's id (not its position), so a refit on more months
    holds out and samples the same firms."""
    if group_column is None:
        return np.random.default_rng(seed).random(frame.height)
    hashed = frame[group_column].cast(pl.String).hash(seed=seed).to_numpy()
    return (hashed % 1_000_003) / 1_000_003.0


def fit_boosted_indicators(
    models: list[IndicatorModel],
    health: np.ndarray,
    y: np.ndarray,
    frame: pl.DataFrame,
    group_column: str | None,
    config: ScorecardConfig,
) -> tuple[list[IndicatorModel], float, dict]:
    """Return indicators whose bins hold boosted shapes, the model's intercept and fit facts.

    ``models`` come from the monotone binning (direction, basis and screening statistics);
    ``health`` is rows x indicators on the 0-1 "higher is healthier" scale. An indicator
    enters the boosting when its monotone bins separate events at ``boost_max_p_value``; it
    stays selected when its learnt shape spans at least ``boost_min_range`` in log-odds.
    Each indicator's ``woe`` is then minus its log-odds shape (higher is healthier), ``beta``
    1: the health log-odds is their sum. With bagging over every row,
    ``facts["out_of_bag_log_odds"]`` holds each row's distress log-odds from the bag that held
    it out (for calibration without a hold-out).
    """
    screened = np.array(
        [
            m.bins is not None
            and m.iv > 0
            and m.bins.p_value <= config.boost_max_p_value
            and bool(np.ptp(np.r_[m.bins.woe, m.bins.missing_woe]))
            for m in models
        ]
    )
    if not screened.any():
        raise ValueError("no indicator carries information about the outcome: nothing to fit")
    draw = unit_draws(frame, group_column, config.seed)
    rows = np.ones(y.size, dtype=bool)
    if y.size > config.boost_max_rows:
        # A fixed-seed sample of whole units: the same firms every refit, fits stay cheap.
        rows = draw < np.quantile(draw, config.boost_max_rows / y.size)
    columns = np.flatnonzero(screened)
    U, y_fit = np.asfortranarray(health[np.ix_(rows, columns)]), y[rows]
    ebm = config.boost_engine == "ebm"
    fine = config.boost_ebm.max_bins if ebm else config.boost_bins
    cuts = [quantile_cuts(U[:, j], fine) for j in range(columns.size)]
    binned = np.empty(U.shape, dtype=np.intp, order="F")  # once for every bag and count
    for j, c in enumerate(cuts):
        binned[:, j] = bin_index(U[:, j], c)
    # Small samples: bag (each bag holds out another share of the units for early stopping,
    # the shapes are averaged bin by bin), so every row is fitted on and noise averages out.
    bags = config.boost_bag_count if y_fit.size < config.boost_bag_below_rows else 1
    share = 1.0 / bags if ebm and bags > 1 else config.boost_validation_share
    position_in_bag = (draw[rows] * 7919.0) % 1.0
    fits = []
    out_of_bag = np.full(y_fit.size, np.nan)
    helds = []
    for bag in range(bags):
        low = bag * share
        held = (position_in_bag >= low) & (position_in_bag < low + share)
        if bags > 1 and bag == bags - 1:
            held = position_in_bag >= low  # the last bag holds out the rest: a partition
        if not 0 < y_fit[held].sum() < held.sum():
            held = None  # too few units to hold some out: fit every cycle allowed
        helds.append(held)
    # ebm: a bag without a hold-out (too few events to hold some out) runs as many rounds as
    # the early-stopped bags did on average, not all of its (many, small) rounds
    order = sorted(range(bags), key=lambda b: helds[b] is None) if ebm else range(bags)
    for bag in order:
        held = helds[bag]
        if ebm:
            settings = replace(config.boost_ebm, seed=config.boost_ebm.seed + bag)
            if held is None:
                stopped = [f.cycles for f in fits]
                rounds = (
                    np.mean(stopped) if stopped else settings.smoothing_rounds + settings.patience
                )
                settings = replace(settings, max_rounds=max(1, int(round(rounds))))
            fits.append(
                fit_ebm_rounds(
                    U,
                    y_fit,
                    monotone=-np.ones(columns.size) if config.monotone else None,
                    validation=held,
                    settings=settings,
                    cuts=cuts,
                    bins=binned,
                )
            )
        else:
            fits.append(
                fit_cyclic_boosting(
                    U,
                    y_fit,
                    monotone=-np.ones(columns.size) if config.monotone else None,
                    validation=held,
                    max_bins=config.boost_bins,
                    learning_rate=config.boost_learning_rate,
                    l2=config.boost_l2,
                    smoothing=config.boost_smoothing,
                    stumps=config.boost_stumps,
                    max_cycles=config.boost_max_cycles,
                    patience=config.boost_patience,
                    cuts=cuts,
                    bins=binned,
                )
            )
        if held is not None:
            out_of_bag[held] = fits[-1].decision(U[held])
    fit = average_fits(fits)
    counts = [np.bincount(binned[:, j], minlength=c.size + 2) for j, c in enumerate(cuts)]
    events = [
        np.bincount(binned[:, j], weights=y_fit, minlength=c.size + 2) for j, c in enumerate(cuts)
    ]
    out = []
    position = {int(c): j for j, c in enumerate(columns)}
    for i, m in enumerate(models):
        j = position.get(i)
        if j is None:
            out.append(replace(m, selected=False))
            continue
        shape, edges = fit.shapes[j], fit.cuts[j]
        rows_j, events_j = counts[j].astype(float), events[j]
        if ebm:  # the same step function on the bins between its steps only
            edges, shape, to = merge_equal_bins(edges, shape)
            rows_j = np.r_[np.bincount(to, weights=rows_j[:-1]), rows_j[-1]]
            events_j = np.r_[np.bincount(to, weights=events_j[:-1]), events_j[-1]]
        bins = MonotoneBins(
            cuts=edges.astype(float),
            woe=-shape[:-1],
            rows=np.rint(rows_j[:-1]).astype(np.int64),
            events=np.rint(events_j[:-1]).astype(np.int64),
            missing_woe=float(-shape[-1]),
            missing_rows=int(rows_j[-1]),
            missing_events=int(round(events_j[-1])),
            iv=m.iv,
            p_value=m.bins.p_value if m.bins is not None else float("nan"),
        )
        out.append(replace(m, bins=bins, selected=bool(np.ptp(shape) >= config.boost_min_range)))
    dims = {m.dimension for m in out if m.selected}
    out = [
        replace(
            m,
            beta=1.0 if (m.selected or m.dimension not in dims) else 0.0,
            descriptive=m.dimension not in dims,
            weight=0.0,
        )
        for m in out
    ]
    facts = {
        "boosting_cycles": fit.cycles,
        "boosting_rows": int(rows.sum()),
        "boosting_validation_loss": fit.validation_loss,
        "boosting_bags": bags,
    }
    if bags > 1 and rows.all() and not np.isnan(out_of_bag).any():
        facts["out_of_bag_log_odds"] = out_of_bag
    return out, fit.intercept, facts
