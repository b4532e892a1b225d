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

Modules, each importing only those above it:

- ``config``: ``PointsScale`` and ``ScorecardConfig``;
- ``types``: ``IndicatorModel``, ``ScorecardBase`` (the fitted numbers), ``Evaluation``;
- ``evaluate``: the arithmetic on new rows (points, scores, PD, grades);
- ``reasons``: the output frames (reasons, the way up, contributions);
- ``model``: ``Scorecard`` (``ScorecardBase`` plus ``evaluate``, ``score``, ``explain``);
- ``fit``: ``fit_scorecard``.
"""

from scoring.scorecard.config import PointsScale, ScorecardConfig
from scoring.scorecard.fit import fit_scorecard
from scoring.scorecard.model import Scorecard
from scoring.scorecard.types import Evaluation, IndicatorModel, ScorecardBase, as_frame

__all__ = [
    "Evaluation",
    "IndicatorModel",
    "PointsScale",
    "Scorecard",
    "ScorecardBase",
    "ScorecardConfig",
    "as_frame",
    "fit_scorecard",
]
