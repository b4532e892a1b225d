"""``fit_scorecard``: bins, weights of evidence, sub-scorecards, stacking and calibration
(fitted), or peer percentiles with expert weights (no outcome history)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import polars as pl

from scoring.ahp import ahp_weights
from scoring.binning import fit_monotone_bins
from scoring.config import IndicatorSpec
from scoring.logistic import fit_logistic, fit_platt
from scoring.metrics import roc_auc
from scoring.reference import PeerReference
from scoring.scorecard.boosted import fit_boosted_indicators
from scoring.scorecard.config import ScorecardConfig
from scoring.scorecard.model import Scorecard
from scoring.scorecard.types import IndicatorModel, as_frame, check_columns


def _as_indicators(
    indicators: Mapping[str, int] | Sequence[IndicatorSpec],
    dimensions: Mapping[str, str] | None,
    labels: Mapping[str, str] | None,
) -> list[IndicatorModel]:
    """Return indicator models from a direction mapping or from IndicatorSpec objects."""
    out = []
    if isinstance(indicators, Mapping):
        for code, direction in indicators.items():
            if isinstance(direction, bool) or direction not in (1, -1, 0):
                raise ValueError(
                    f"indicator {code!r}: direction must be +1 (higher is healthier), -1 "
                    f"(lower is healthier) or 0 (learn it), got {direction!r}"
                )
            dimension = (dimensions or {}).get(code, "all")
            out.append(
                IndicatorModel(code, dimension, int(direction), (labels or {}).get(code, code))
            )
    else:
        for spec in indicators:
            if not isinstance(spec, IndicatorSpec):
                raise ValueError("indicators must be a mapping or a sequence of IndicatorSpec")
            out.append(
                IndicatorModel(
                    spec.code,
                    (dimensions or {}).get(spec.code, spec.dimension),
                    spec.direction,
                    (labels or {}).get(spec.code, spec.label),
                    spec.transform,
                    beta=spec.weight,
                )
            )
    codes = [m.code for m in out]
    if not codes:
        raise ValueError("no indicators given")
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValueError(f"indicator codes given more than once: {repeated}")
    return out


def _outcome(frame: pl.DataFrame, outcome: str) -> np.ndarray:
    if outcome not in frame.columns:
        raise ValueError(f"outcome column {outcome!r} not in the frame")
    y = frame[outcome]
    if y.null_count():
        raise ValueError(f"outcome column {outcome!r} has nulls: drop unlabelled rows first")
    values = y.cast(pl.Float64).to_numpy()
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"outcome column {outcome!r} must be boolean or 0/1")
    return values.astype(bool)


def fit_scorecard(
    frame: pl.DataFrame,
    indicators: Mapping[str, int] | Sequence[IndicatorSpec],
    outcome: str | None = None,
    *,
    peer_levels: Sequence[Sequence[str]] | None = None,
    peer_by: str | None = None,
    dimensions: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    calibration: pl.DataFrame | None = None,
    time_column: str | None = None,
    group_column: str | None = None,
    config: ScorecardConfig | None = None,
    shared: dict | None = None,
) -> Scorecard:
    """Return a scorecard fitted on ``frame`` (or an expert one when there is no outcome).

    Parameters
    ----------
    frame : polars.DataFrame
        One row per unit (e.g. firm-month): numeric indicator columns (null, NaN or infinite
        = missing; any scale, heavy tails welcome), the outcome column, and the peer-key
        columns. A pandas DataFrame or a dict of columns is converted.
    indicators : mapping or sequence of IndicatorSpec
        ``{column: direction}`` with +1 (higher is healthier), -1 (lower is healthier) or 0
        (learn the direction from the data), or ``IndicatorSpec`` objects (which also carry
        dimension, label and transform).
    outcome : str, optional
        Boolean / 0-1 column, 1 = the adverse outcome (e.g. distress within 12 months). None
        gives an expert model.
    peer_levels : sequence of sequence of str, optional
        Peer-group key columns, narrowest first, e.g. ``[("industry", "size"), ("industry",)]``;
        everyone is always the last fallback. None ranks every row among everyone.
    peer_by : str, optional
        Rank within each value of this column first (e.g. ``period_month``: peers of the same
        month); values never seen fall back to the pooled distribution. None pools all rows,
        so a score is comparable over time (what a PD needs).
    dimensions, labels : mapping, optional
        Dimension and readable label per indicator (default: one dimension ``"all"``, the
        code as label; IndicatorSpec values are used when given).
    calibration : polars.DataFrame, optional
        A later window (same columns) to calibrate the PD on. Default: the latest
        ``calibration_share`` of the periods in ``time_column``, or a random share of the
        rows (of the groups in ``group_column``) when there is no time column.
    time_column : str, optional
        Period column used to hold out the latest periods for calibration.
    group_column : str, optional
        Unit identifier (e.g. ``firm_id``): folds and random hold-outs keep a unit together.
    config : ScorecardConfig, optional
    shared : dict, optional
        Pass the same (initially empty) dict to fitted scorecards on the same rows, indicators
        and calibration that differ only in ``config.method``: the second reuses the first's
        peer distributions and monotone bins instead of computing them again (only when its
        fitting rows match in number and events: a random hold-out can differ by method).

    Returns
    -------
    Scorecard

    Raises
    ------
    ValueError
        Missing columns, non-numeric indicators, a non-binary outcome, too few events
        (fewer than 10 of either class to fit, 5 to calibrate), or no indicator with any
        information.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.lognormal(size=4000)
    >>> train = pl.DataFrame({"x": x, "z": rng.normal(size=4000),
    ...                       "bad": rng.random(4000) < 1 / (1 + x * 8)})
    >>> model = fit_scorecard(train, {"x": +1, "z": 0}, "bad")
    >>> [m.code for m in model.active]
    ['x']
    >>> model.score(pl.DataFrame({"x": [0.05, 50.0], "z": [0.0, 1e9]}))["pd"].round(2).to_list()
    [0.52, 0.01]
    """
    config = config or ScorecardConfig()
    frame = as_frame(frame)
    calibration = as_frame(calibration) if calibration is not None else None
    models = _as_indicators(indicators, dimensions, labels)
    codes = [m.code for m in models]
    check_columns(frame, codes, "frame")
    kind = config.kind
    if kind == "auto":
        kind = "fitted" if outcome is not None else "expert"
    if kind == "fitted" and outcome is None:
        raise ValueError("a fitted scorecard needs an outcome column")
    dim_order = config.dimensions or tuple(dict.fromkeys(m.dimension for m in models))
    unknown = sorted({m.dimension for m in models} - set(dim_order))
    if unknown:
        raise ValueError(f"indicators in dimensions not listed in config.dimensions: {unknown}")
    levels = tuple(tuple(level) for level in (peer_levels or ((),)))
    if kind == "expert":
        return _fit_expert(frame, models, levels, peer_by, dim_order, config)

    assert outcome is not None
    # Small samples without a time order: the boosted model is bagged over every row and
    # calibrated on its out-of-bag log-odds, so no quarter of the rows is lost to a hold-out.
    out_of_bag = (
        config.method == "boosted"
        and calibration is None
        and time_column is None
        and config.boost_bag_count > 1
        and frame.height < min(config.boost_bag_below_rows, config.boost_max_rows)
    )
    if out_of_bag:
        calibration = frame
    elif calibration is None:
        frame, calibration = _hold_out(frame, time_column, group_column, config)
    y = _outcome(frame, outcome)
    y_cal = _outcome(calibration, outcome)
    for name, target, least in (("training", y, 10), ("calibration", y_cal, 5)):
        events = int(target.sum())
        if min(events, target.size - events) < least:
            raise ValueError(
                f"{name} rows hold {events} events and {target.size - events} non-events: "
                f"need at least {least} of each to fit (use an expert scorecard instead)"
            )
    key = (frame.height, calibration.height, int(y.sum()))  # the same rows (cheap check)
    if shared and shared.get("rows") == key:
        reference, binned, woe, health = shared["prepared"]
    else:
        reference = PeerReference.fit(
            frame, codes, levels, config.min_peer_group, config.knots, by=peer_by
        )
        binned, woe, health = _fit_bins(frame, y, models, reference, config)
        if shared is not None:
            shared.update(rows=key, prepared=(reference, binned, woe, health))
    boosted: dict = {}
    if config.method == "boosted":
        members, boost_intercept, boosted = fit_boosted_indicators(
            binned, health, y, frame, group_column, config
        )
        oob = boosted.pop("out_of_bag_log_odds", None)
    else:
        members = _fit_subscores(binned, woe, y, dim_order, config)
    if not any(m.selected for m in members):
        raise ValueError("no indicator carries information about the outcome: nothing to fit")
    draft = Scorecard(
        kind="fitted",
        indicators=tuple(members),
        dimensions=dim_order,
        dimension_weights=np.zeros(len(dim_order)),
        intercept=0.0,
        calibration=(0.0, 1.0),
        reference=reference,
        positives=None,
        config=config,
    )
    cal_eval = draft.evaluate(calibration)
    cal_scores = _subscores(draft.active, cal_eval.woe, dim_order)
    training = {"rows": frame.height, "events": int(y.sum()), "method": config.method, **boosted}
    if config.method == "boosted":
        # The shapes already sum on the overall log-odds: every dimension weighs 1, and Platt
        # scaling on the later window calibrates the PD.
        gamma = np.array([1.0 if any(m.selected and m.dimension == d for m in members) else 0.0
                          for d in dim_order])  # fmt: skip
        fitted = [replace(m, weight=float(m.beta) if m.selected else 0.0) for m in members]
        intercept = boost_intercept
        if out_of_bag and oob is not None:
            platt = fit_platt(oob, y)
            training["calibration"] = "out of bag"
        else:
            platt = fit_platt(intercept - cal_scores @ gamma, y_cal)
    elif config.stacking == "calibration":
        # Stacked on the later window, the stacking regression is the calibration too: a
        # Platt scaling with one slope per dimension, fitted on rows the bins never saw.
        fitted, gamma, intercept = _stack(members, cal_scores, y_cal, dim_order, config)
        platt = (0.0, 1.0)
    else:
        folds = _folds(frame, group_column, config)
        oof = _out_of_fold_subscores(members, woe, y, folds, dim_order, config)
        fitted, gamma, intercept = _stack(members, oof, y, dim_order, config)
        training["stacked_auc_out_of_fold"] = _auc(y, -(oof @ gamma))
        platt = fit_platt(intercept - cal_scores @ gamma, y_cal)
    model = replace(
        draft,
        indicators=tuple(fitted),
        dimension_weights=gamma,
        intercept=intercept,
        calibration=platt,
    )
    training.update(
        calibration_rows=calibration.height,
        calibration_events=int(y_cal.sum()),
        stacking=config.stacking,
        auc_training=None
        if config.method == "boosted"  # its WOE matrix is not the bins': not computed twice
        else _auc(y, -(_subscores(members, woe, dim_order) @ gamma)),
        auc_calibration=_auc(y_cal, -(cal_scores @ gamma)),
    )
    if time_column is not None and time_column in frame.columns:
        training["periods"] = [str(frame[time_column].min()), str(frame[time_column].max())]
        training["calibration_periods"] = [
            str(calibration[time_column].min()),
            str(calibration[time_column].max()),
        ]
    return replace(model, training=training)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return roc_auc(y, score) if 0 < y.sum() < y.size else float("nan")


def _out_of_fold_subscores(
    members: list[IndicatorModel],
    woe: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    dimensions: tuple[str, ...],
    config: ScorecardConfig,
) -> np.ndarray:
    """Return sub-scores of every row from sub-scorecards fitted without the row's fold."""
    oof = np.zeros((y.size, len(dimensions)))
    for d in range(len(dimensions)):
        columns = [i for i, m in enumerate(members) if m.selected and m.dimension == dimensions[d]]
        if not columns:
            continue
        X = woe[:, columns]
        for f in range(config.stack_folds):
            train = folds != f
            if not train.any() or train.all():
                continue
            fit = fit_logistic(X[train], y[train], l2=config.l2, sign=-np.ones(len(columns)))
            oof[~train, d] = X[~train] @ -fit.coef
    return oof


def _hold_out(
    frame: pl.DataFrame, time_column: str | None, group_column: str | None, config: ScorecardConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into a fitting part and a later (or random) calibration part."""
    if time_column is not None:
        periods = frame[time_column].unique().sort()
        n_cal = max(1, int(round(periods.len() * config.calibration_share)))
        if periods.len() < 2:
            raise ValueError(f"{time_column!r} has one period: cannot hold out a later window")
        first_cal = periods[periods.len() - n_cal]
        later = pl.col(time_column) >= first_cal
        return frame.filter(~later), frame.filter(later)
    rng = np.random.default_rng(config.seed)
    if group_column is not None:
        units = frame[group_column].unique().sort()
        chosen = units.filter(pl.Series(rng.random(units.len()) < config.calibration_share))
        mask = frame[group_column].is_in(chosen.implode())
    else:
        mask = pl.Series(rng.random(frame.height) < config.calibration_share)
    return frame.filter(~mask), frame.filter(mask)


def _folds(frame: pl.DataFrame, group_column: str | None, config: ScorecardConfig) -> np.ndarray:
    """Return a fold number per row (whole units per fold when ``group_column`` is given)."""
    rng = np.random.default_rng(config.seed)
    if group_column is None:
        return rng.integers(0, config.stack_folds, frame.height)
    codes = frame[group_column].cast(pl.String).rank("dense").to_numpy() - 1
    fold_of = rng.integers(0, config.stack_folds, int(codes.max()) + 1)
    return fold_of[codes]


def _fit_bins(
    frame: pl.DataFrame,
    y: np.ndarray,
    models: list[IndicatorModel],
    reference: PeerReference,
    config: ScorecardConfig,
) -> tuple[list[IndicatorModel], np.ndarray, np.ndarray]:
    """Return indicators with direction, basis, bins and IV, the training WOE matrix and the
    rows x indicators health matrix (the chosen basis, direction-adjusted, NaN = missing)."""
    peer, _ = reference.transform(frame)
    overall, _ = reference.transform(frame, overall=[True] * len(models))
    out = []
    woe = np.zeros((frame.height, len(models)), order="F")
    health_of = np.zeros((frame.height, len(models)), order="F")
    for i, m in enumerate(models):
        candidates = []
        bases = {"peer": peer[:, i], "all": overall[:, i]}
        if len(reference.levels) == 1 or config.basis == "all":
            del bases["peer"]  # with no peer levels, peer and everyone are the same
        elif config.basis == "peer":
            del bases["all"]
        for basis, share in bases.items():
            direction = m.direction
            present = ~np.isnan(share)
            if direction == 0:  # learn it: more events at higher shares means lower is better
                events = y[present].sum()
                auc = roc_auc(y[present], share[present]) if 0 < events < present.sum() else 0.5
                direction = -1 if auc > 0.5 else 1
            health = share if direction == 1 else 1.0 - share
            bins = fit_monotone_bins(
                health,
                y,
                fine_bins=config.fine_bins,
                min_share=config.min_bin_share,
                min_missing=config.min_missing_rows,
                prior=config.woe_prior,
            )
            candidates.append((bins.iv, basis, direction, bins, health))
        # Peer first on ties: comparing within the peer group is the design's default.
        iv, basis, direction, bins, health = max(candidates, key=lambda c: (c[0], c[1] == "peer"))
        out.append(
            replace(
                m,
                direction=direction,
                basis=basis,
                bins=bins,
                iv=iv,
                selected=bool(
                    iv >= config.min_iv
                    and bins.p_value <= config.max_p_value
                    and np.ptp(np.r_[bins.woe, bins.missing_woe])
                ),
            )
        )
        woe[:, i] = bins.woe_of(health)
        health_of[:, i] = health
    return out, woe, health_of


def _fit_subscores(
    models: list[IndicatorModel],
    woe: np.ndarray,
    y: np.ndarray,
    dimensions: tuple[str, ...],
    config: ScorecardConfig,
) -> list[IndicatorModel]:
    """Return indicators with their sub-scorecard coefficient ``beta`` (>= 0).

    One ridge logistic regression per dimension of the outcome on the WOE of its selected
    indicators, each coefficient bounded so that a healthier bin can never add risk; an
    indicator whose coefficient ends at 0 leaves the model. A dimension left without any
    indicator keeps its indicators as descriptive ones (peer percentiles, no weight).
    """
    selected = np.array([m.selected for m in models])
    dim_of = np.array([dimensions.index(m.dimension) for m in models])
    beta = np.zeros(len(models))
    for d in range(len(dimensions)):
        columns = np.flatnonzero(selected & (dim_of == d))
        if columns.size == 0:
            continue
        # Logit of distress falls as WOE (health) rises: coefficients <= 0, beta = -coef >= 0.
        fit = fit_logistic(woe[:, columns], y, l2=config.l2, sign=-np.ones(columns.size))
        beta[columns] = -fit.coef
    keep = selected & (beta > 0)
    out = []
    for i, m in enumerate(models):
        descriptive = not keep[dim_of == dim_of[i]].any()
        out.append(
            replace(
                m,
                beta=float(beta[i]) if keep[i] else (1.0 if descriptive else 0.0),
                selected=bool(keep[i]),
                descriptive=descriptive,
                weight=0.0,
            )
        )
    return out


def _subscores(models: Sequence[IndicatorModel], woe: np.ndarray, dimensions) -> np.ndarray:
    """Return rows x dimensions sub-scores ``sum(beta * woe)`` over the selected indicators."""
    out = np.zeros((woe.shape[0], len(dimensions)))
    for i, m in enumerate(models):
        if m.selected:
            out[:, dimensions.index(m.dimension)] += m.beta * woe[:, i]
    return out


def _stack(
    models: list[IndicatorModel],
    scores: np.ndarray,
    y: np.ndarray,
    dimensions: tuple[str, ...],
    config: ScorecardConfig,
) -> tuple[list[IndicatorModel], np.ndarray, float]:
    """Return indicators with overall weights, the dimension weights and the intercept.

    A logistic regression of the outcome on the dimension sub-scores, weights >= 0:
    ``logit PD = intercept - sum(gamma_d * subscore_d)``, so indicator i carries
    ``gamma_d * beta_i`` of the overall log-odds.
    """
    # Not penalised: shrinking these few weights would flatten the PD, i.e. mis-calibrate it.
    stack = fit_logistic(scores, y, sign=-np.ones(len(dimensions)))
    gamma = np.maximum(-stack.coef, 0.0)
    out = [
        replace(
            m, weight=float(gamma[dimensions.index(m.dimension)] * m.beta) if m.selected else 0.0
        )
        for m in models
    ]
    return out, gamma, stack.intercept


def _fit_expert(
    frame: pl.DataFrame,
    models: list[IndicatorModel],
    levels: tuple[tuple[str, ...], ...],
    by: str | None,
    dimensions: tuple[str, ...],
    config: ScorecardConfig,
) -> Scorecard:
    """Return an expert scorecard: peer percentiles with expert dimension weights."""
    codes = [m.code for m in models]
    for m in models:
        if m.direction == 0:
            raise ValueError(f"indicator {m.code!r}: an expert scorecard needs a direction")
    reference = PeerReference.fit(frame, codes, levels, config.min_peer_group, config.knots, by=by)
    absence = [m.code for m in models if m.transform == "absence"]
    positives = None
    if absence:
        # Adverse events are rare: their severity is ranked among all firms with one (of the
        # same ``by`` value, e.g. month, as scoring v1 does), not within peer groups.
        positive = frame.select(
            *([pl.col(by)] if by else []),
            *[pl.when(pl.col(c) > 0).then(pl.col(c)).alias(c) for c in absence],
        )
        positives = PeerReference.fit(positive, absence, ((),), 1, config.knots, by=by)
    if config.ahp_matrix is not None:
        weights = ahp_weights(config.ahp_matrix).weights
        if weights.size != len(dimensions):
            raise ValueError(
                f"ahp_matrix has {weights.size} rows for {len(dimensions)} dimensions "
                f"({', '.join(dimensions)})"
            )
    elif config.dimension_weights is not None:
        unknown = sorted(set(config.dimension_weights) - set(dimensions))
        if unknown:
            raise ValueError(f"dimension_weights name unknown dimensions: {unknown}")
        weights = np.array([float(config.dimension_weights.get(d, 0.0)) for d in dimensions])
        if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise ValueError("dimension_weights must be finite, >= 0 and not all 0")
    else:
        weights = np.ones(len(dimensions))
    weights = weights / weights.sum()
    source = "ahp" if config.ahp_matrix is not None else (
        "given" if config.dimension_weights is not None else "equal")  # fmt: skip
    return Scorecard(
        kind="expert",
        indicators=tuple(replace(m, basis="peer") for m in models),
        dimensions=dimensions,
        dimension_weights=weights,
        intercept=0.0,
        calibration=None,
        reference=reference,
        positives=positives,
        config=config,
        training={"rows": frame.height, "weights": source},
    )
