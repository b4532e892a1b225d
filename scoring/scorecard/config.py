"""How a scorecard is configured: the bank points scale and ``ScorecardConfig``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logit

from scoring.defaults import DEFAULTS
from scoring.ebm import EbmSettings

KINDS = ("fitted", "expert")
METHODS = ("woe", "boosted")
BOOST_ENGINES = ("bins", "ebm")


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

    base_points: float = DEFAULTS.base_points
    base_odds: float = DEFAULTS.base_odds
    pdo: float = DEFAULTS.pdo

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

    Defaults from ``scoring.defaults.DEFAULTS`` (what the pipeline runs with).

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
        Fewer available indicators or dimensions give 数据不足 and no overall score; a model
        with fewer indicators (dimensions) than this needs every one of them.
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
        Seed of the fold assignment, the early-stopping hold-out and the fitting sample.
    method : str
        ``"woe"``: monotone WOE bins and sign-constrained logistic regressions (the classic
        scorecard). ``"boosted"``: one shape function per indicator over fine bins, learnt by
        cyclic gradient boosting on the overall log-odds (``scoring.boosting``), monotone in
        the indicator's direction; still exactly additive, and Platt-scaled on the later
        window.
    boost_bins, boost_learning_rate, boost_l2 : int, float, float
        Boosting: fine bins per indicator, shrinkage, ridge per bin.
    boost_stumps, boost_smoothing : bool, int
        Boosting: each step a two-leaf split of the bins (as explainable boosting machines
        do), or, when False, a per-bin step smoothed over ``boost_smoothing`` neighbours.
    boost_engine : str
        Boosting: ``"ebm"`` (default) grows small trees on up to ``boost_ebm.max_bins`` fine
        bins round by round at a small learning rate, as explainable boosting machines do
        (``scoring.ebm``), averaging ``boost_ebm.bags`` bagged fits below
        ``boost_bag_below_rows`` rows; ``"bins"`` cycles over ``boost_bins`` quantile bins per
        indicator, a full (shrunk) Newton step of a two-leaf split per cycle
        (``scoring.boosting``), ``boost_bags`` bags.
    boost_ebm : EbmSettings
        Boosting with ``boost_engine="ebm"``: bins, learning rate, leaves, rounds, patience,
        bags (defaults follow interpret's).
    boost_max_cycles, boost_patience, boost_validation_share : int, int, float
        Boosting: most cycles, early-stopping patience, share of units held out for it.
    boost_max_p_value : float
        Boosting: indicators whose monotone bins separate events at a worse significance are
        left out (a looser screen than ``max_p_value``: the shapes are regularised).
    boost_max_rows : int
        Boosting fits on at most this many rows, a fixed-seed sample of whole units.
    boost_min_range : float
        Boosting: an indicator whose shape spans less log-odds than this (0.05: it moves the
        odds by under 5%) leaves the model, so reasons and contributions skip what barely
        counts (the PD changes by as little).
    boost_bags, boost_bag_below_rows : int, int
        Boosting on fewer rows than ``boost_bag_below_rows`` averages ``boost_bags`` fits,
        each early-stopped on another share of the units (bagging); larger samples fit once.
    monotone : bool
        Boosting: keep each shape monotone in the indicator's direction (given or learnt).
    score_anchors : (float, float), optional
        Fitted models: the PDs at overall score 0 and 100 (e.g. ``(0.99, 0.0001)``), so the
        score is one fixed function of the PD whatever the model and a refit moves scores only
        as far as it moves PDs; an indicator's worst bin may then earn below 0 points, and
        rows beyond the anchors are clipped to 0 or 100. None (default): 0 and 100 are the
        model's own worst and best combination of bins.

    Examples
    --------
    >>> ScorecardConfig(healthy_max_pd=0.02).subhealthy_max_pd
    0.1
    """

    kind: str = "auto"
    min_peer_group: int = DEFAULTS.min_peer_group
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
    healthy_min: float = DEFAULTS.healthy_min
    subhealthy_min: float = DEFAULTS.subhealthy_min
    healthy_max_pd: float = DEFAULTS.healthy_max_pd
    subhealthy_max_pd: float = DEFAULTS.subhealthy_max_pd
    min_indicators: int = DEFAULTS.min_indicators
    min_dimensions: int = DEFAULTS.min_dimensions
    red_flags: tuple[tuple[str, str], ...] = ()
    dimension_weights: Mapping[str, float] | None = None
    ahp_matrix: tuple[tuple[float, ...], ...] | None = None
    dimensions: tuple[str, ...] | None = None
    absence_max_points: float = DEFAULTS.absence_max_points
    max_reasons: int = 3
    max_strengths: int = 2
    max_lift_actions: int = 3
    seed: int = 0
    method: str = "woe"
    boost_bins: int = 32
    boost_learning_rate: float = 0.3
    boost_l2: float = 2.0
    boost_smoothing: int = 1
    boost_stumps: bool = True
    boost_engine: str = "ebm"
    boost_ebm: EbmSettings = field(default_factory=EbmSettings)
    boost_max_cycles: int = 60
    boost_patience: int = 5
    boost_validation_share: float = 0.2
    boost_max_p_value: float = 1.0
    boost_max_rows: int = 300_000
    boost_min_range: float = 0.05
    boost_bags: int = 5
    boost_bag_below_rows: int = 20_000
    monotone: bool = True
    score_anchors: tuple[float, float] | None = None

    @property
    def boost_bag_count(self) -> int:
        """Bagged fits the boosting averages on samples under ``boost_bag_below_rows``."""
        return self.boost_ebm.bags if self.boost_engine == "ebm" else self.boost_bags

    def __post_init__(self) -> None:
        if self.kind not in ("auto", *KINDS):
            raise ValueError(f"kind must be auto, fitted or expert, got {self.kind!r}")
        if self.stacking not in ("calibration", "out_of_fold"):
            raise ValueError(f"stacking must be calibration or out_of_fold, got {self.stacking!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be woe or boosted, got {self.method!r}")
        if self.boost_engine not in BOOST_ENGINES:
            raise ValueError(f"boost_engine must be bins or ebm, got {self.boost_engine!r}")
        if not 0.0 < self.boost_validation_share < 0.5 or self.boost_bins < 2:
            raise ValueError("boost_validation_share must be in (0, 0.5) and boost_bins >= 2")
        if self.score_anchors is not None and not (
            0.0 < self.score_anchors[1] < self.score_anchors[0] < 1.0
        ):
            raise ValueError("score_anchors must be PDs (at 0, at 100) with 1 > pd_0 > pd_100 > 0")
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
