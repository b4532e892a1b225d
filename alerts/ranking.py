"""Rank a month's live firms by risk and cut the monthly list at its budget.

The risk of a firm-month is a logistic combination of the scorecard's PD (as log-odds) and which
rules fire for it, fitted on earlier months whose 12-month outcome window had closed by the
month being ranked (departments' distress records), never on the month itself. Without enough
outcome history the PD alone ranks (and without a PD, the overall score).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from alerts.config import Budget
from scoring.logistic import fit_logistic

PD_FLOOR = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, PD_FLOOR, 1 - PD_FLOOR)
    return np.log(q / (1 - q))


def firm_features(firms: pl.DataFrame, alerts: pl.DataFrame, rule_codes: list[str]) -> pl.DataFrame:
    """Return one row per firm of ``firms`` (``firm_id, period_month, pd, overall_score`` and
    anything else, kept) with one 0/1 column ``r_<rule>`` per rule code and ``n_rules``.

    ``alerts`` holds ``firm_id, period_month, rule_code`` of the rules firing (after
    inhibition).
    """
    keys = ["firm_id", "period_month"]
    fired = alerts.select(*keys, "rule_code").unique()
    wide = (
        fired.with_columns(_one=pl.lit(1, pl.Int8)).pivot(
            on="rule_code", index=keys, values="_one", aggregate_function="max"
        )
        if fired.height
        else pl.DataFrame(schema={"firm_id": pl.String, "period_month": pl.Date})
    )
    out = firms.join(wide, on=keys, how="left")
    cols = []
    for code in rule_codes:
        name = f"r_{code}"
        src = pl.col(code) if code in wide.columns else pl.lit(0)
        cols.append(src.fill_null(0).cast(pl.Int8).alias(name))
    out = out.with_columns(cols).drop([c for c in wide.columns if c not in keys])
    return out.with_columns(n_rules=pl.sum_horizontal([f"r_{c}" for c in rule_codes]))


@dataclass(frozen=True)
class Ranker:
    """``risk = sigmoid(intercept + a * logit(pd) + sum b_rule * fired_rule)``."""

    rule_codes: tuple[str, ...]
    intercept: float
    coef: np.ndarray
    trained_rows: int
    trained_events: int
    fitted_through: dt.date

    def matrix(self, features: pl.DataFrame) -> np.ndarray:
        pd_ = features["pd"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        rules = features.select([f"r_{c}" for c in self.rule_codes]).to_numpy().astype(float)
        return np.column_stack([_logit(np.nan_to_num(pd_, nan=PD_FLOOR)), rules])

    def risk(self, features: pl.DataFrame) -> np.ndarray:
        z = self.intercept + self.matrix(features) @ self.coef
        return 1 / (1 + np.exp(-z))

    def describe(self) -> dict:
        return {
            "kind": "fitted",
            "fitted_through": str(self.fitted_through),
            "rows": self.trained_rows,
            "events": self.trained_events,
            "coef": {
                "logit_pd": round(float(self.coef[0]), 4),
                **{
                    c: round(float(b), 4)
                    for c, b in zip(self.rule_codes, self.coef[1:], strict=True)
                },
            },
        }


def fit_ranker(
    history: pl.DataFrame, rule_codes: list[str], min_events: int, max_rows: int = 400_000
) -> Ranker | None:
    """Return the ranker fitted on ``history`` (firm features of past months with a PD and a
    0/1 ``outcome``), or None when it holds fewer than ``min_events`` events.

    The PD's weight is kept >= 0; a rule's weight is free (a weak rule can lower a firm below
    others with the same PD when it marks noise). Rows are subsampled evenly (by a stable hash
    of the firm) beyond ``max_rows``.
    """
    rows = history.filter(pl.col("pd").is_not_null() & pl.col("outcome").is_not_null())
    events = int(rows["outcome"].sum()) if rows.height else 0
    if events < min_events:
        return None
    if rows.height > max_rows:
        keep = int(1_000_000 * max_rows / rows.height)
        rows = rows.filter(pl.col("firm_id").hash(seed=7) % 1_000_000 < keep)
    draft = Ranker(tuple(rule_codes), 0.0, np.zeros(len(rule_codes) + 1), 0, 0, dt.date.min)
    X = draft.matrix(rows)
    y = rows["outcome"].to_numpy().astype(float)
    sign = np.zeros(X.shape[1])
    sign[0] = 1
    fit = fit_logistic(X, y, l2=1e-3, sign=sign)
    return Ranker(
        tuple(rule_codes),
        float(fit.intercept),
        np.asarray(fit.coef),
        rows.height,
        int(y.sum()),
        rows["period_month"].max(),
    )


def rank_and_cut(
    features: pl.DataFrame,
    ranker: Ranker | None,
    budget: Budget,
    always: pl.Series,
) -> pl.DataFrame:
    """Return ``features`` with ``risk``, ``risk_basis``, ``rank`` (1 = riskiest in the month),
    ``county_rank``, ``county_quota`` and ``is_listed``.

    Each county lists its ``budget.share`` riskiest live firms (at least
    ``budget.min_per_county``) among those some rule fires for (``n_rules`` > 0: a firm with
    nothing wrong to report is never listed to fill a quota), plus every firm in ``always``
    (new severe red flags). ``county_rank`` counts those eligible firms only (null for the
    others). ``features`` needs ``firm_id``, ``county_code``, ``pd``, ``overall_score`` and
    ``n_rules``.
    """
    if ranker is not None:
        risk = ranker.risk(features)
        basis = "fitted"
    elif features["pd"].null_count() < features.height:
        risk = features["pd"].cast(pl.Float64).fill_null(0.0).to_numpy()
        basis = "pd"
    else:  # no PD at all (expert model): the lower the score, the riskier
        score = features["overall_score"].cast(pl.Float64).fill_null(100.0).to_numpy()
        risk = (100.0 - score) / 100.0
        basis = "score"
    out = features.with_columns(
        risk=pl.Series(risk, dtype=pl.Float64), risk_basis=pl.lit(basis)
    ).with_columns(pl.col("county_code").fill_null("unknown"))
    out = out.sort(["risk", "firm_id"], descending=[True, False]).with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
        county_rank=pl.when(pl.col("n_rules") > 0).then(
            (pl.col("n_rules") > 0).cast(pl.Int32).cum_sum().over("county_code")
        ),
        county_quota=(pl.len().over("county_code") * budget.share)
        .round(0)
        .cast(pl.Int32)
        .clip(lower_bound=budget.min_per_county),
    )
    return out.with_columns(
        is_listed=(pl.col("county_rank") <= pl.col("county_quota")).fill_null(False)
        | pl.col("firm_id").is_in(always.implode())
    ).sort("rank")
