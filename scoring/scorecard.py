"""The generic scorecard: fit on any numeric indicator table, score new rows, explain each score.

Entry points::

    model = fit_scorecard(frame, {"debt_ratio": -1, "roa": +1}, outcome="default_12m")
    scores = model.score(new_rows)          # one row per input row
    contributions = model.explain(one_row)  # one row per indicator; they sum to the score

Two kinds of model share one output:

- **fitted** (an outcome column is given): every indicator is ranked among its peers (or among
  everyone, whichever carries more information), cut into monotone bins with their own bin for
  missing values, and turned into weight of evidence (WOE); indicators with information value
  below ``min_iv`` are dropped; one sign-constrained, ridge-penalised logistic regression per
  dimension gives the dimension sub-scores, a second one stacks them (fitted on out-of-fold
  sub-scores), and Platt scaling on a later window calibrates the result to a probability of
  the outcome (PD). Points can only rise as an indicator improves.
- **expert** (no outcome history): indicator points are peer percentiles (0-100), dimension
  scores their weighted means over what is available, the overall score the weighted mean of
  the dimensions with expert weights (equal, given, or from an AHP matrix). No PD: nothing
  has been observed to calibrate it against.

Either way the overall score (0-100) is exactly the sum of per-indicator contributions, and
``score`` gives reasons down and up and what would lift the firm to the next grade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl
from scipy.special import logit

from scoring.ahp import ahp_weights
from scoring.binning import MonotoneBins, fit_monotone_bins
from scoring.config import IndicatorSpec
from scoring.logistic import fit_logistic, fit_platt
from scoring.metrics import roc_auc
from scoring.reference import PeerReference

KINDS = ("fitted", "expert")


@dataclass(frozen=True)
class PointsScale:
    """Bank points: ``points = offset - factor * ln(odds)``, odds = PD / (1 - PD).

    ``base_points`` are given at good:bad odds of ``base_odds`` to 1, and every ``pdo`` points
    the odds of distress halve.

    Examples
    --------
    >>> scale = PointsScale(base_points=600, base_odds=50, pdo=20)
    >>> round(float(scale.points(1 / 51)), 6), round(float(scale.points(2 / 52)), 6)
    (600.0, 580.0)
    """

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if not (self.pdo > 0 and self.base_odds > 0 and math.isfinite(self.base_points)):
            raise ValueError(f"points scale needs pdo > 0 and base_odds > 0, got {self}")

    @property
    def factor(self) -> float:
        """Points per unit of ln(odds): ``pdo / ln 2``."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """Points at odds 1 (PD 50%): ``base_points - factor * ln(base_odds)``."""
        return self.base_points - self.factor * math.log(self.base_odds)

    def points(self, pd: np.ndarray | float) -> np.ndarray | float:
        """Return the points of a probability of distress."""
        return self.offset - self.factor * logit(pd)


@dataclass(frozen=True)
class ScorecardConfig:
    """Everything ``fit_scorecard`` and ``Scorecard.score`` can be told; validated on creation.

    Parameters
    ----------
    kind : str
        ``"auto"`` fits when an outcome is given and uses expert weights otherwise;
        ``"fitted"`` or ``"expert"`` force one.
    min_peer_group : int
        Fewest reference values a peer group needs (else the next, broader level is used).
    knots : int
        Points stored per peer distribution.
    basis : str
        ``"auto"`` ranks each indicator among peers or among everyone, whichever has the
        higher information value on the training rows; ``"peer"`` or ``"all"`` force one.
    fine_bins, min_bin_share, min_missing_rows, woe_prior : int, float, int, float
        Binning: starting quantile bins, smallest final bin (share of non-missing rows),
        fewest missing rows for an own missing-bin WOE, smoothing pseudo-rows.
    min_iv : float
        Indicators with a lower information value are dropped (0.02: "not predictive").
    max_p_value : float
        Indicators whose bins do not separate events from non-events at this significance
        (likelihood-ratio test over the bins) are dropped too: on small samples an IV above
        ``min_iv`` can be noise.
    l2 : float
        Ridge penalty of the per-dimension logistic regressions (the stacking regression,
        which sets the calibration, is not penalised).
    stacking : str
        ``"calibration"``: the dimension sub-scores are stacked by a logistic regression on
        the later (calibration) window, which also calibrates the PD. ``"out_of_fold"``:
        stacked on out-of-fold training sub-scores, then Platt-scaled on the later window.
    stack_folds : int
        Folds for ``stacking="out_of_fold"``.
    calibration_share : float
        Share of the training periods (latest first) held out for calibration when no
        calibration frame is given.
    points : PointsScale
        Bank points scale.
    healthy_min, subhealthy_min : float
        Overall-score cut-offs of 健康 and 亚健康 (used when the model has no PD).
    healthy_max_pd, subhealthy_max_pd : float
        PD cut-offs of 健康 (PD below) and 亚健康 (PD below); used when the model has a PD.
    min_indicators, min_dimensions : int
        Fewer available indicators or dimensions give 数据不足 and no overall score.
    red_flags : tuple of (column, label)
        Boolean columns that force 不健康.
    dimension_weights : mapping, optional
        Expert weight per dimension (missing dimensions get 0); default equal.
    ahp_matrix : sequence of sequence of float, optional
        Pairwise comparisons of the dimensions (in ``dimensions`` order) for expert weights;
        refused when the consistency ratio is 0.1 or more.
    dimensions : tuple of str, optional
        Order of the dimensions (default: first appearance among the indicators).
    absence_max_points : float
        Expert points of the mildest positive value of an adverse-event count.
    max_reasons, max_strengths, max_lift_actions : int
        Lengths of the explanation lists.
    seed : int
        Seed of the fold assignment.

    Examples
    --------
    >>> ScorecardConfig(healthy_max_pd=0.02).subhealthy_max_pd
    0.1
    """

    kind: str = "auto"
    min_peer_group: int = 30
    knots: int = 51
    basis: str = "auto"
    fine_bins: int = 40
    min_bin_share: float = 0.02
    min_missing_rows: int = 30
    woe_prior: float = 10.0
    min_iv: float = 0.02
    max_p_value: float = 0.001
    l2: float = 1e-2
    stacking: str = "calibration"
    stack_folds: int = 5
    calibration_share: float = 0.25
    points: PointsScale = field(default_factory=PointsScale)
    healthy_min: float = 55.0
    subhealthy_min: float = 40.0
    healthy_max_pd: float = 0.03
    subhealthy_max_pd: float = 0.10
    min_indicators: int = 1
    min_dimensions: int = 1
    red_flags: tuple[tuple[str, str], ...] = ()
    dimension_weights: Mapping[str, float] | None = None
    ahp_matrix: tuple[tuple[float, ...], ...] | None = None
    dimensions: tuple[str, ...] | None = None
    absence_max_points: float = 40.0
    max_reasons: int = 3
    max_strengths: int = 2
    max_lift_actions: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("auto", *KINDS):
            raise ValueError(f"kind must be auto, fitted or expert, got {self.kind!r}")
        if self.stacking not in ("calibration", "out_of_fold"):
            raise ValueError(f"stacking must be calibration or out_of_fold, got {self.stacking!r}")
        if self.basis not in ("auto", "peer", "all"):
            raise ValueError(f"basis must be auto, peer or all, got {self.basis!r}")
        if not 0.0 <= self.subhealthy_min <= self.healthy_min <= 100.0:
            raise ValueError(
                "grade cut-offs out of order: need 0 <= subhealthy_min <= healthy_min <= 100, "
                f"got {self.subhealthy_min}, {self.healthy_min}"
            )
        if not 0.0 < self.healthy_max_pd <= self.subhealthy_max_pd < 1.0:
            raise ValueError(
                "PD cut-offs out of order: need 0 < healthy_max_pd <= subhealthy_max_pd < 1, "
                f"got {self.healthy_max_pd}, {self.subhealthy_max_pd}"
            )
        if not 0.0 < self.calibration_share < 1.0:
            raise ValueError(f"calibration_share must be in (0, 1), got {self.calibration_share}")
        if self.stack_folds < 2:
            raise ValueError(f"stack_folds must be at least 2, got {self.stack_folds}")
        if self.min_indicators < 0 or self.min_dimensions < 0:
            raise ValueError("min_indicators and min_dimensions must be >= 0")
        if self.l2 < 0 or self.min_iv < 0 or not 0 <= self.min_bin_share < 0.5:
            raise ValueError("l2 and min_iv must be >= 0 and min_bin_share in [0, 0.5)")
        columns = [c for c, _ in self.red_flags]
        if len(set(columns)) != len(columns):
            raise ValueError(f"red_flags name a column twice: {columns}")


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


def _check_columns(frame: pl.DataFrame, codes: Sequence[str], what: str) -> None:
    missing = [c for c in codes if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s): {', '.join(missing)}")
    for code in codes:
        dtype = frame.schema[code]
        if not (dtype.is_numeric() or dtype == pl.Null or dtype == pl.Boolean):
            raise ValueError(f"indicator column {code!r} must be numeric, got {dtype}")


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


@dataclass(frozen=True)
class Scorecard:
    """A fitted or expert scorecard; build with ``fit_scorecard``.

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

    def _fitted_range(self) -> tuple[float, float]:
        """Return (lowest, highest) health log-odds ``sum(weight * woe)`` over all bins."""
        low = sum(m.weight * m.woe_min for m in self.active if m.selected)
        high = sum(m.weight * m.woe_max for m in self.active if m.selected)
        return low, high

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

    # -- scoring -----------------------------------------------------------------------------

    def evaluate(self, frame: pl.DataFrame) -> Evaluation:
        """Return every number behind the scores of ``frame`` (arrays, one row per input row).

        ``score`` and ``explain`` format this; use it directly for vectorised analysis.
        """
        from scoring.evaluate import evaluate

        return evaluate(self, as_frame(frame))

    def score(self, frame: pl.DataFrame, keep: Sequence[str] | None = None) -> pl.DataFrame:
        """Return scores, grade, PD, points, reasons and next-grade actions per row of ``frame``.

        Parameters
        ----------
        frame : polars.DataFrame
            The indicator columns (null or NaN = missing), the peer keys and red-flag columns
            when the model uses them (absent = null / false).
        keep : sequence of str, optional
            Columns of ``frame`` copied to the front of the output (default: ``firm_id`` and
            ``period_month`` when present).

        Returns
        -------
        polars.DataFrame
            Same rows and order as ``frame``: ``keep``, ``score_<dimension>`` (0-100, null when
            the dimension has no available indicator), ``overall_score`` (0-100, the sum of the
            contributions), ``grade``, ``grade_code``, ``red_flags``, ``n_indicators``,
            ``n_dimensions``, ``peer_group``, ``reasons``, ``reason_codes``, ``strengths``,
            ``pd``, ``points``, ``next_grade``, ``score_to_next_grade``, ``lift_actions``,
            ``lift_codes``, ``lift_targets``, ``model_kind``. ``overall_score``, ``pd`` and
            ``points`` are null for 数据不足; ``pd`` and ``points`` also for expert models.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=5000)
        >>> train = pl.DataFrame({"x": x, "bad": rng.random(5000) < 1 / (1 + np.exp(3 + x))})
        >>> model = fit_scorecard(train, {"x": +1}, "bad")
        >>> out = model.score(pl.DataFrame({"x": [-3.0, 0.0, 3.0, None]}))
        >>> out["grade_code"].to_list()
        ['unhealthy', 'subhealthy', 'healthy', 'insufficient']
        >>> out["overall_score"].round(1).to_list(), out["pd"].round(3).to_list()
        ([0.0, 44.5, 100.0, None], [0.288, 0.055, 0.005, None])
        """
        from scoring.reasons import score_frame

        return score_frame(self, as_frame(frame), keep)

    def explain(self, frame: pl.DataFrame, keep: Sequence[str] | None = None) -> pl.DataFrame:
        """Return each row's per-indicator contributions (long format).

        One row per input row and active indicator: ``keep``, ``indicator_code``,
        ``dimension``, ``value``, ``peer_group``, ``peer_share`` (the value's mid-rank share in
        its group, 0-1, before direction), ``bin`` (-1 = missing), ``woe``, ``points``
        (contribution to the overall score; they sum to ``overall_score``), ``max_points``,
        ``neutral_points`` (what an average value earns), ``dimension_points`` (contribution to
        its dimension score) and ``bank_points`` (fitted models: contribution to ``points``,
        which equal ``points_base()`` plus their sum).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x, z = rng.normal(size=(2, 5000))
        >>> train = pl.DataFrame({"x": x, "z": z,
        ...                       "bad": rng.random(5000) < 1 / (1 + np.exp(3 + x + z))})
        >>> model = fit_scorecard(train, {"x": +1, "z": +1}, "bad")
        >>> one = pl.DataFrame({"x": [0.5], "z": [-1.0]})
        >>> parts = model.explain(one)
        >>> parts.select("indicator_code", "bin", "points").rows()
        [('x', 8, 30.86...), ('z', 3, 16.21...)]
        >>> round(parts["points"].sum(), 9) == round(model.score(one)["overall_score"][0], 9)
        True
        """
        from scoring.reasons import explain_frame

        return explain_frame(self, as_frame(frame), keep)

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
        woe_min = {m.code: m.woe_min for m in selected}
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


# -- fitting -----------------------------------------------------------------------------------


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
    _check_columns(frame, codes, "frame")
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
    if calibration is None:
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
    reference = PeerReference.fit(
        frame, codes, levels, config.min_peer_group, config.knots, by=peer_by
    )
    binned, woe = _fit_bins(frame, y, models, reference, config)
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
    training = {"rows": frame.height, "events": int(y.sum())}
    if config.stacking == "calibration":
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
        auc_training=_auc(y, -(_subscores(members, woe, dim_order) @ gamma)),
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


def _health(model: Scorecard, evaluation: Evaluation) -> np.ndarray:
    """Return the health log-odds ``sum(weight * woe)`` of every row (missing bins included)."""
    weights = np.array([m.weight for m in model.active])
    return np.nan_to_num(evaluation.woe) @ weights


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
) -> tuple[list[IndicatorModel], np.ndarray]:
    """Return indicators with direction, basis, bins and IV, and the training WOE matrix."""
    peer, _ = reference.transform(frame)
    overall, _ = reference.transform(frame, overall=[True] * len(models))
    out = []
    woe = np.zeros((frame.height, len(models)), order="F")
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
    return out, woe


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


__all__ = [
    "Evaluation",
    "IndicatorModel",
    "PointsScale",
    "Scorecard",
    "ScorecardConfig",
    "fit_scorecard",
]
