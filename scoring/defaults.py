"""The one set of scoring defaults: what the warehouse's monthly scoring run puts in force
unless a run says otherwise.

``ScoringConfig`` (the v1 baseline), ``ScorecardConfig``, ``PointsScale`` and the Dagster run
configuration (``pipelines/defs/scoring/assets.py``) all take their defaults from ``DEFAULTS``,
so a cut-off is changed in one place. A leaf module: it imports nothing from ``scoring``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringDefaults:
    """Settings of a monthly scoring run (``scoring.monthly``), with the pipeline's defaults.

    Parameters
    ----------
    model : str
        ``"auto"`` fits the scorecard when the outcome history holds at least ``min_events``
        distress firm-months in both the fitting and the calibration window, and otherwise uses
        expert weights; ``"fitted"`` or ``"expert"`` force one.
    min_events, calibration_months, test_months : int
        Model choice and validation windows (``scoring.training.choose_and_fit``).
    healthy_max_pd, subhealthy_max_pd : float
        PD cut-offs of 健康 and 亚健康 (models with a PD).
    healthy_min, subhealthy_min : float
        Overall-score cut-offs of 健康 and 亚健康 (models without a PD, and the v1 baseline);
        v1's back-test gave 55 / 40.
    ahp_matrix : sequence of sequence of float, optional
        Pairwise comparisons of the five dimensions for expert weights (default equal).
    min_peer_group : int
        Fewest firms a peer group needs before a firm falls back to a broader one.
    min_indicators, min_dimensions : int
        Fewer available indicators or dimensions give 数据不足.
    absence_max_points : float
        Expert points of the mildest positive value of an adverse-event count.
    base_points, base_odds, pdo : float
        Bank points scale (``PointsScale``).
    max_training_firms : int
        Fitting reads at most this many firms (all their months), sampled by a hash of the id.
        50,000 firms are about 1.1M labelled firm-months; fitting time grows with the rows, the
        ranking does not: on the demo region half its 18.5k firms rank out of time as well as
        all of them (AUC 0.8485 vs 0.8483; a quarter: 0.8465).
    contribution_months : int
        Per-indicator contributions of the latest N months (0 = every month, -1 = none).
    refit_every_months : int
        The fitted model is refitted at the end of every N-th calendar month (3: quarter ends).
    method : str
        Fitting method: ``"auto"`` fits both ``"boosted"`` and ``"woe"`` on the validation
        windows of the first fitted model and puts in force the one with the better
        out-of-time AUC (later refits re-estimate that method); or one of them.
    min_labelled_months : int
        The expert model hands over to a fitted one only once this many labelled months exist.
    switch_margin : float
        At a refit the challenger replaces the model in force only when its out-of-time AUC on
        the newest outcome months is at least this much higher (``scoring.governance``).
    score_pd_at_0, score_pd_at_100 : float
        Fitted models: the PDs at overall score 0 and 100 (``ScorecardConfig.score_anchors``),
        so the score means the same PD after every refit.
    boost_engine : str
        How the warehouse's boosted scorecard grows its shapes (``ScorecardConfig.boost_engine``):
        ``"bins"``, the engine whose out-of-time AUC, refit stability and fit time on the
        simulated region are measured (docs/scoring.md). The generic API's default is
        ``"ebm"`` (better on the public real datasets, not yet measured on the warehouse's
        panel: its bagged fits are slower on small samples).

    Examples
    --------
    >>> DEFAULTS.healthy_min, DEFAULTS.min_indicators
    (55.0, 4)
    """

    model: str = "auto"
    min_events: int = 200
    calibration_months: int = 6
    test_months: int = 6
    healthy_max_pd: float = 0.03
    subhealthy_max_pd: float = 0.10
    healthy_min: float = 55.0
    subhealthy_min: float = 40.0
    ahp_matrix: tuple[tuple[float, ...], ...] | None = None
    min_peer_group: int = 30
    min_indicators: int = 4
    min_dimensions: int = 3
    absence_max_points: float = 40.0
    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0
    max_training_firms: int = 50_000
    contribution_months: int = 12
    refit_every_months: int = 3
    method: str = "auto"
    min_labelled_months: int = 12
    switch_margin: float = 0.005
    score_pd_at_0: float = 0.99
    score_pd_at_100: float = 0.0001
    boost_engine: str = "bins"


DEFAULTS = ScoringDefaults()
