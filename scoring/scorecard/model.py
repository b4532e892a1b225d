"""``Scorecard``: a fitted or expert scorecard that scores and explains rows."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from scoring.scorecard.evaluate import evaluate
from scoring.scorecard.reasons import explain_frame, score_frame
from scoring.scorecard.types import Evaluation, ScorecardBase, as_frame

# Rows scored at a time: every row's output depends on that row alone, so slices give the
# same bits as one call, and the rows x indicators arrays stay in cache and in bounds
# (a million rows at once took 3x the time per row and 8 GB).
CHUNK_ROWS = 100_000


def _in_chunks(function, model: ScorecardBase, frame: pl.DataFrame, keep) -> pl.DataFrame:
    """Return ``function(model, slice, keep)`` over slices of ``CHUNK_ROWS`` rows, stacked."""
    if frame.height <= CHUNK_ROWS:
        return function(model, frame, keep)
    return pl.concat(
        [
            function(model, frame.slice(start, CHUNK_ROWS), keep)
            for start in range(0, frame.height, CHUNK_ROWS)
        ],
        rechunk=False,
    )


class Scorecard(ScorecardBase):
    """A fitted or expert scorecard that scores and explains rows; build with ``fit_scorecard``.

    The attributes are those of ``ScorecardBase``.
    """

    def evaluate(self, frame: pl.DataFrame) -> Evaluation:
        """Return every number behind the scores of ``frame`` (arrays, one row per input row).

        ``score`` and ``explain`` format this; use it directly for vectorised analysis.
        """
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
        >>> import numpy as np
        >>> from scoring.scorecard import fit_scorecard
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
        return _in_chunks(score_frame, self, as_frame(frame), keep)

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
        >>> import numpy as np
        >>> from scoring.scorecard import fit_scorecard
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
        return _in_chunks(explain_frame, self, as_frame(frame), keep)
