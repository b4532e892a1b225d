"""Enterprise-health scoring: indicator panel in, dimension scores, PD, points, grades and
reasons out.

Pure Python + polars + scipy: no Dagster, no file paths, no DuckDB. The scorecard (fitted on
outcomes, or expert weights without them) works on any numeric indicator table::

    from scoring import ScorecardConfig, fit_scorecard

    model = fit_scorecard(frame, {"debt_ratio": -1, "roa": +1}, outcome="default_12m")
    scores = model.score(new_rows)           # scores, PD, points, grade, reasons, next grade
    contributions = model.explain(one_row)   # per indicator; they sum to the score

``score_panel`` (scoring v1, equal-weight peer percentiles) stays as the baseline index.
"""

from scoring.ahp import ahp_weights
from scoring.config import (
    DIMENSION_LABELS_ZH,
    DIMENSIONS,
    GRADE_LABELS_ZH,
    TRANSFORMS,
    IndicatorSpec,
    ScoringConfig,
)
from scoring.metrics import brier_score, ks_statistic, psi, roc_auc
from scoring.panel import OUTPUT_COLUMNS, indicator_points, score_panel
from scoring.peers import WAREHOUSE_PEER_LEVELS
from scoring.reference import PeerReference
from scoring.scorecard import PointsScale, Scorecard, ScorecardConfig, fit_scorecard

__all__ = [
    "DIMENSIONS",
    "DIMENSION_LABELS_ZH",
    "GRADE_LABELS_ZH",
    "OUTPUT_COLUMNS",
    "TRANSFORMS",
    "WAREHOUSE_PEER_LEVELS",
    "IndicatorSpec",
    "PeerReference",
    "PointsScale",
    "Scorecard",
    "ScorecardConfig",
    "ScoringConfig",
    "ahp_weights",
    "brier_score",
    "fit_scorecard",
    "indicator_points",
    "ks_statistic",
    "psi",
    "roc_auc",
    "score_panel",
]
