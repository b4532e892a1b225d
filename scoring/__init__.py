"""Enterprise-health scoring: indicator panel in, dimension scores, grades and reasons out.

Pure Python + polars + scipy: no Dagster, no file paths, no DuckDB. Entry point::

    from scoring import IndicatorSpec, ScoringConfig, score_panel
"""

from scoring.config import (
    DIMENSION_LABELS_ZH,
    DIMENSIONS,
    GRADE_LABELS_ZH,
    TRANSFORMS,
    IndicatorSpec,
    ScoringConfig,
)
from scoring.metrics import roc_auc
from scoring.panel import OUTPUT_COLUMNS, indicator_points, score_panel

__all__ = [
    "DIMENSIONS",
    "DIMENSION_LABELS_ZH",
    "GRADE_LABELS_ZH",
    "OUTPUT_COLUMNS",
    "TRANSFORMS",
    "IndicatorSpec",
    "ScoringConfig",
    "indicator_points",
    "roc_auc",
    "score_panel",
]
