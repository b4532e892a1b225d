"""What a scorecard is made of and what it gives back: ``IndicatorModel``, ``ScorecardBase``
(the fitted numbers and what follows from them) and ``Evaluation`` (the arrays behind scores).

A leaf of the package: it imports no fitting or scoring code, so every other module may import
it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.special import logit

from scoring.binning import MonotoneBins
from scoring.reference import PeerReference
from scoring.scorecard.config import ScorecardConfig


@dataclass(frozen=True)
class IndicatorModel:
    """One indicator inside a fitted or expert scorecard.

    Attributes
    ----------
    code, dimension, label : str
    direction : int
        +1 higher is healthier, -1 lower is healthier (learnt when given as 0).
    transform : str
        ``"peer_percentile"`` or ``"absence"`` (adverse-event count, 0 is best).
    basis : str
        ``"peer"`` (ranked in its peer group) or ``"all"`` (among everyone).
    bins : MonotoneBins or None
        Fitted models only.
    iv : float
        Information value on the training rows (NaN for expert models).
    selected : bool
        False when dropped (information value below ``min_iv``, or a zero coefficient).
    descriptive : bool
        Fitted models: the indicator's dimension kept no selected indicator, so the dimension
        score shows its peer percentiles (expert-style) and it carries no weight.
    beta : float
        Weight inside its dimension (fitted: logistic coefficient on the WOE, >= 0; expert:
        the within-dimension weight).
    weight : float
        Fitted: weight in the overall log-odds (``gamma_dimension * beta``).
    """

    code: str
    dimension: str
    direction: int
    label: str
    transform: str = "peer_percentile"
    basis: str = "peer"
    bins: MonotoneBins | None = None
    iv: float = float("nan")
    selected: bool = True
    descriptive: bool = False
    beta: float = 1.0
    weight: float = 1.0

    @property
    def woe_min(self) -> float:
        """Lowest WOE the indicator can take (missing bin included)."""
        assert self.bins is not None
        return float(min(self.bins.woe.min(), self.bins.missing_woe))

    @property
    def woe_max(self) -> float:
        """Highest WOE the indicator can take (missing bin included)."""
        assert self.bins is not None
        return float(max(self.bins.woe.max(), self.bins.missing_woe))


def as_frame(data: object) -> pl.DataFrame:
    """Return ``data`` as a polars DataFrame (polars as is; pandas, Arrow or a dict of columns
    converted), so the scorecard takes whatever a notebook holds.

    Examples
    --------
    >>> as_frame({"x": [1.0, None]}).height
    2
    """
    if isinstance(data, pl.DataFrame):
        return data
    if type(data).__module__.startswith("pandas"):
        return pl.from_pandas(data)
    if type(data).__module__.startswith("pyarrow"):
        return pl.DataFrame(pl.from_arrow(data))
    return pl.DataFrame(data)


def check_columns(frame: pl.DataFrame, codes: Sequence[str], what: str) -> None:
    missing = [c for c in codes if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s): {', '.join(missing)}")
    for code in codes:
        dtype = frame.schema[code]
        if not (dtype.is_numeric() or dtype == pl.Null or dtype == pl.Boolean):
            raise ValueError(f"indicator column {code!r} must be numeric, got {dtype}")


@dataclass(frozen=True)
class ScorecardBase:
    """The numbers of a fitted or expert scorecard and what follows from them (cut-offs, points,
    the points table); ``Scorecard`` adds scoring. Build with ``fit_scorecard``.

    Attributes
    ----------
    kind : str
        ``"fitted"`` or ``"expert"``.
    indicators : tuple of IndicatorModel
    dimensions : tuple of str
    dimension_weights : numpy.ndarray
        Fitted: stacking weights (>= 0) of the dimension sub-scores; expert: dimension weights.
    intercept : float
        Fitted: intercept of the stacked log-odds (PD before calibration).
    calibration : tuple of float or None
        Platt ``(a, b)``: ``logit PD = a + b * (intercept - health)``; None for expert models.
    reference : PeerReference
    positives : PeerReference or None
        Expert models: distribution of positive adverse-event counts.
    config : ScorecardConfig
    training : dict
        What the model was fitted on (rows, events, periods, AUCs).
    """

    kind: str
    indicators: tuple[IndicatorModel, ...]
    dimensions: tuple[str, ...]
    dimension_weights: np.ndarray
    intercept: float
    calibration: tuple[float, float] | None
    reference: PeerReference
    positives: PeerReference | None
    config: ScorecardConfig
    training: dict = field(default_factory=dict)

    # -- derived constants -------------------------------------------------------------------

    @property
    def active(self) -> tuple[IndicatorModel, ...]:
        """The indicators scored: model members and the descriptive ones."""
        return tuple(m for m in self.indicators if m.selected or m.descriptive)

    @property
    def has_pd(self) -> bool:
        """True when the model gives a calibrated PD (fitted models)."""
        return self.calibration is not None

    def _bin_range(self) -> tuple[float, float]:
        """Return (lowest, highest) health log-odds ``sum(weight * woe)`` over all bins."""
        low = sum(m.weight * m.woe_min for m in self.active if m.selected)
        high = sum(m.weight * m.woe_max for m in self.active if m.selected)
        return low, high

    def _fitted_range(self) -> tuple[float, float]:
        """Return the health log-odds at overall score 0 and 100.

        By default the model's own extremes (every indicator in its worst, or best, bin).
        With ``config.score_anchors = (pd_0, pd_100)`` the health log-odds whose calibrated
        PD is ``pd_0`` and ``pd_100``: the score is then the same function of the PD for
        every model, so a refit moves scores only as far as it moves PDs.
        """
        anchors = self.config.score_anchors
        if anchors is None or self.calibration is None or self.calibration[1] <= 0:
            return self._bin_range()
        a, b = self.calibration
        pd_0, pd_100 = anchors
        return (
            self.intercept - (float(logit(pd_0)) - a) / b,
            self.intercept - (float(logit(pd_100)) - a) / b,
        )

    def woe_refs(self) -> np.ndarray:
        """Return per active indicator the WOE that earns 0 points (0 for unselected ones).

        The worst bin's WOE, shifted (in proportion to the indicators' ranges) so that the
        references sum to the health log-odds at score 0: ``points_i = 100 * weight_i *
        (WOE_i - ref_i) / span`` then add up to the overall score exactly.
        """
        active = self.active
        minimum = np.array([m.woe_min if m.selected else 0.0 for m in active])
        weight = np.array([m.weight if m.selected else 0.0 for m in active])
        ranges = np.array([m.woe_max - m.woe_min if m.selected else 0.0 for m in active])
        shift = self._fitted_range()[0] - self._bin_range()[0]
        total = float((weight * ranges).sum())
        if shift == 0.0 or total <= 0:
            return minimum
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(weight > 0, minimum + shift * ranges / total, minimum)

    def required(self) -> tuple[int, int]:
        """Return the fewest available indicators and dimensions a row needs for a score: the
        configured minimums, or every indicator (dimension) of a model that has fewer."""
        dimensions = {m.dimension for m in self.active}
        return (
            min(self.config.min_indicators, len(self.active)),
            min(self.config.min_dimensions, len(dimensions)),
        )

    def score_cutoffs(self) -> tuple[float, float]:
        """Return the overall scores at which 健康 and 亚健康 start.

        Expert models: the configured ``healthy_min`` and ``subhealthy_min``. Fitted models:
        the scores whose calibrated PD equals ``healthy_max_pd`` and ``subhealthy_max_pd``
        (PD falls as the score rises, so "PD below the cut-off" is "score at or above").
        """
        if not self.has_pd:
            return self.config.healthy_min, self.config.subhealthy_min
        return (
            self.score_at_pd(self.config.healthy_max_pd),
            self.score_at_pd(self.config.subhealthy_max_pd),
        )

    def score_at_pd(self, pd: float) -> float:
        """Return the overall score whose calibrated PD is ``pd`` (fitted models)."""
        if self.calibration is None:
            raise ValueError("an expert model has no PD")
        a, b = self.calibration
        low, high = self._fitted_range()
        if b <= 0 or high <= low:
            return float("nan")
        health = self.intercept - (float(logit(pd)) - a) / b
        return 100.0 * (health - low) / (high - low)

    def points_base(self) -> float:
        """Return the bank points of a firm whose every indicator scores its minimum.

        ``points = points_base() + sum of the per-indicator bank points`` (``explain``).
        """
        if self.calibration is None:
            raise ValueError("an expert model has no PD and no bank points")
        a, b = self.calibration
        low, _ = self._fitted_range()
        scale = self.config.points
        return scale.offset - scale.factor * (a + b * (self.intercept - low))

    def points_per_score(self) -> float:
        """Return the bank points one overall-score point is worth (fitted models)."""
        if self.calibration is None:
            raise ValueError("an expert model has no PD and no bank points")
        low, high = self._fitted_range()
        return self.config.points.factor * self.calibration[1] * (high - low) / 100.0

    def points_table(self) -> pl.DataFrame:
        """Return the scorecard as a table: one row per indicator in the model and bin.

        Columns ``indicator_code``, ``label``, ``dimension``, ``bin`` (-1 = missing),
        ``share_from``, ``share_to`` (the bin on the 0-1 "higher is healthier" scale),
        ``rows``, ``events``, ``event_rate``, ``woe`` and ``points`` (overall-score points).
        Fitted models only.
        """
        if self.kind != "fitted":
            raise ValueError("an expert model has no bins")
        low, high = self._fitted_range()
        rows = []
        selected = [m for m in self.active if m.selected]
        for m in selected:
            bins = m.bins
            assert bins is not None
            edges = np.r_[0.0, bins.cuts, 1.0]
            for k in range(bins.woe.size):
                rows.append(
                    (m.code, m.label, m.dimension, k, edges[k], edges[k + 1], int(bins.rows[k]),
                     int(bins.events[k]), float(bins.woe[k]))
                )  # fmt: skip
            rows.append(
                (m.code, m.label, m.dimension, -1, None, None, bins.missing_rows,
                 bins.missing_events, bins.missing_woe)
            )  # fmt: skip
        table = pl.DataFrame(
            rows,
            schema={
                "indicator_code": pl.String,
                "label": pl.String,
                "dimension": pl.String,
                "bin": pl.Int32,
                "share_from": pl.Float64,
                "share_to": pl.Float64,
                "rows": pl.Int64,
                "events": pl.Int64,
                "woe": pl.Float64,
            },
            orient="row",
        )
        weight = {m.code: m.weight for m in selected}
        refs = self.woe_refs()
        woe_min = {m.code: float(refs[i]) for i, m in enumerate(self.active) if m.selected}
        return table.with_columns(
            event_rate=pl.col("events") / pl.col("rows"),
            points=100.0
            * pl.col("indicator_code").replace_strict(weight, return_dtype=pl.Float64)
            * (pl.col("woe") - pl.col("indicator_code").replace_strict(woe_min))
            / (high - low),
        )

    def summary(self) -> dict:
        """Return the model as JSON-ready data (everything but the peer distributions)."""
        cut_healthy, cut_sub = self.score_cutoffs()
        out = {
            "kind": self.kind,
            "dimensions": list(self.dimensions),
            "dimension_weights": [float(w) for w in self.dimension_weights],
            "intercept": self.intercept,
            "calibration": list(self.calibration) if self.calibration else None,
            "score_cutoffs": {"healthy_min": cut_healthy, "subhealthy_min": cut_sub},
            "peer_levels": [list(level) for level in self.reference.levels],
            "indicators": [
                {
                    "code": m.code,
                    "label": m.label,
                    "dimension": m.dimension,
                    "direction": m.direction,
                    "transform": m.transform,
                    "basis": m.basis,
                    "iv": None if math.isnan(m.iv) else m.iv,
                    "selected": m.selected,
                    "descriptive": m.descriptive,
                    "beta": m.beta,
                    "weight": m.weight,
                    "bins": m.bins.to_dict() if m.bins is not None else None,
                }
                for m in self.indicators
            ],
            "training": self.training,
        }
        if self.has_pd:
            out["points"] = {
                "base_points": self.config.points.base_points,
                "base_odds": self.config.points.base_odds,
                "pdo": self.config.points.pdo,
                "points_base": self.points_base(),
                "points_per_score": self.points_per_score(),
            }
        return out


@dataclass(frozen=True)
class Evaluation:
    """Arrays behind the scores of a frame; see ``Scorecard.evaluate``.

    All 2-D arrays are rows x active indicators (``Scorecard.active`` order).
    """

    values: np.ndarray  # raw values (NaN = missing)
    share: np.ndarray  # mid-rank share in the peer group (NaN = missing)
    health: np.ndarray  # share on the "higher is healthier" scale
    table: np.ndarray  # knot table used (-1 = none)
    bins: np.ndarray  # bin (-1 = missing); expert: -1 / 0
    contribution: np.ndarray  # overall-score points
    neutral: np.ndarray  # points an average value would earn
    max_points: np.ndarray  # most points the indicator can earn in the row
    dimension_points: np.ndarray  # contribution to the dimension score
    woe: np.ndarray  # fitted: WOE; expert: NaN
    dimension_scores: np.ndarray  # rows x dimensions
    overall: np.ndarray  # NaN when insufficient
    pd: np.ndarray  # NaN when insufficient or expert
    points: np.ndarray  # bank points, NaN likewise
    sufficient: np.ndarray
    flags: np.ndarray  # rows x red flags
    n_indicators: np.ndarray
    n_dimensions: np.ndarray
    grade_code: np.ndarray  # object array of grade codes
