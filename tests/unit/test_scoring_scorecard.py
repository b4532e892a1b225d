"""The generic scorecard: monotone points, exact contributions, sign constraints, the missing
bin, calibration, bank points, AHP, grades, reasons and what lifts a firm a grade."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from scoring.ahp import ahp_weights
from scoring.binning import fit_monotone_bins
from scoring.logistic import fit_logistic
from scoring.scorecard import PointsScale, ScorecardConfig, fit_scorecard


def synthetic(n: int = 6000, seed: int = 0) -> pl.DataFrame:
    """Two risk drivers and one noise column; ``debt`` is missing for a fifth of the rows and
    missing means trouble; ``sales`` has a heavy tail."""
    rng = np.random.default_rng(seed)
    profit = rng.normal(size=n)
    debt = rng.uniform(0, 1, size=n)
    sales = rng.lognormal(mean=2.0, sigma=2.0, size=n)
    noise = rng.normal(size=n)
    no_report = rng.random(n) < 0.2
    logit = -3.2 - 1.2 * profit + 2.5 * (debt - 0.5) + 1.5 * no_report
    bad = rng.random(n) < 1 / (1 + np.exp(-logit))
    debt = np.where(no_report, np.nan, debt)
    return pl.DataFrame(
        {
            "firm": [f"F{i:05d}" for i in range(n)],
            "sector": rng.choice(["A", "B", "C"], n),
            "profit": profit,
            "debt": debt,
            "sales": sales,
            "noise": noise,
            "bad": bad,
        }
    )


DIRECTIONS = {"profit": +1, "debt": -1, "sales": +1, "noise": +1}
DIMENSIONS = {"profit": "earnings", "debt": "structure", "sales": "earnings", "noise": "structure"}


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return synthetic()


@pytest.fixture(scope="module")
def model(data):
    return fit_scorecard(
        data,
        DIRECTIONS,
        "bad",
        peer_levels=[("sector",)],
        dimensions=DIMENSIONS,
        group_column="firm",
        # One available indicator is enough here: these tests are about missing values.
        config=ScorecardConfig(min_peer_group=50, min_indicators=1, min_dimensions=1),
    )


def grid(column: str, values, base: dict | None = None) -> pl.DataFrame:
    row = {"sector": "A", "profit": 0.0, "debt": 0.5, "sales": 7.0, "noise": 0.0} | (base or {})
    frame = pl.DataFrame([row] * len(values)).with_columns(pl.Series(column, values, pl.Float64))
    return frame


# --- points are monotone and contributions exact --------------------------------------------


@pytest.mark.parametrize(("column", "direction"), [("profit", +1), ("debt", -1)])
def test_points_never_fall_as_an_indicator_improves(model, column, direction):
    values = np.linspace(-4, 4, 81) if column == "profit" else np.linspace(0, 1, 81)
    scores = model.score(grid(column, values))["overall_score"].to_numpy()
    steps = np.diff(scores) * direction
    assert (steps >= -1e-12).all()
    assert scores.max() > scores.min()  # the indicator does move the score


def test_contributions_sum_exactly_to_the_overall_and_dimension_scores(model, data):
    rows = data.head(300)
    scores = model.score(rows, keep=["firm"])
    parts = model.explain(rows, keep=["firm"])
    total = parts.group_by("firm").agg(pl.col("points").sum(), pl.col("bank_points").sum())
    joined = scores.join(total, on="firm")
    assert np.abs(joined["overall_score"] - joined["points_right"]).max() < 1e-9
    # Bank points: the base plus the per-indicator bank points.
    assert np.abs(joined["points"] - model.points_base() - joined["bank_points"]).max() < 1e-9
    by_dimension = parts.group_by("firm", "dimension").agg(pl.col("dimension_points").sum())
    for dimension in ("earnings", "structure"):
        got = scores.join(by_dimension.filter(pl.col("dimension") == dimension), on="firm")
        assert np.abs(got[f"score_{dimension}"] - got["dimension_points"]).max() < 1e-9


def test_every_score_is_between_0_and_100(model, data):
    out = model.score(data)
    for column in ("overall_score", "score_earnings", "score_structure"):
        assert out[column].drop_nulls().is_between(0.0, 100.0).all()
    assert out.height == data.height  # no row dropped


# --- sign constraints, selection, missing bin, outliers -------------------------------------


def test_sign_constraint_keeps_a_reversed_feature_out():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 2))
    y = rng.random(4000) < 1 / (1 + np.exp(-(-2 + x[:, 0] + 0.8 * x[:, 1])))
    free = fit_logistic(x, y)
    bounded = fit_logistic(x, y, sign=[-1, -1])
    assert free.coef[0] > 0.5 and free.coef[1] > 0.3
    assert bounded.coef[0] == 0.0 and bounded.coef[1] == 0.0  # both pushed to the bound


def test_fitted_weights_are_non_negative_and_noise_is_dropped(model):
    by_code = {m.code: m for m in model.indicators}
    assert all(m.beta >= 0 and m.weight >= 0 for m in model.indicators)
    assert (np.asarray(model.dimension_weights) >= 0).all()
    assert not by_code["noise"].selected
    assert by_code["profit"].selected and by_code["debt"].selected
    for m in model.active:
        assert (np.diff(m.bins.woe) >= 0).all()  # WOE rises with health, bin by bin


def test_missing_value_gets_its_own_bin_not_zero_and_not_dropped(model):
    debt = {m.code: m for m in model.indicators}["debt"]
    assert debt.bins.missing_rows > 0
    assert debt.bins.missing_woe < -0.3  # missing reports are a risk signal here
    out = model.score(grid("debt", [None, 0.5]))
    missing, typical = out["overall_score"].to_list()
    assert missing < typical
    parts = model.explain(grid("debt", [None]))
    assert parts.filter(pl.col("indicator_code") == "debt")["bin"].item() == -1


def test_binning_missing_bin_is_neutral_when_too_rare():
    u = np.r_[np.linspace(0, 1, 500), [np.nan] * 5]
    y = np.r_[np.linspace(0, 1, 500) < 0.2, [1] * 5]
    bins = fit_monotone_bins(u, y, min_missing=30)
    assert bins.missing_woe == 0.0 and bins.missing_rows == 5


def test_outliers_and_infinities_do_not_break_scoring(model):
    extreme = model.score(grid("sales", [7.0, 1e15, np.inf, -np.inf, -1e15, np.nan]))
    scores = extreme["overall_score"].to_list()
    assert all(s is not None and 0 <= s <= 100 for s in scores[:5])
    assert scores[1] == scores[2]  # +inf ranks like the largest value seen
    assert scores[3] == scores[4]


def test_direction_zero_is_learnt_from_the_data(data):
    model = fit_scorecard(data, {"profit": 0, "debt": 0}, "bad")
    by_code = {m.code: m.direction for m in model.indicators}
    assert by_code == {"profit": 1, "debt": -1}


# --- PD, points and grades ------------------------------------------------------------------


def test_pd_is_calibrated_on_synthetic_data():
    train, later = synthetic(20000, seed=1), synthetic(20000, seed=2)
    lenient = ScorecardConfig(min_indicators=1, min_dimensions=1)  # rows missing debt get a PD
    model = fit_scorecard(train, DIRECTIONS, "bad", calibration=later, config=lenient)
    test = synthetic(20000, seed=3)
    pd = model.score(test)["pd"].to_numpy()
    y = test["bad"].to_numpy()
    assert abs(pd.mean() - y.mean()) / y.mean() < 0.1
    deciles = np.quantile(pd, np.linspace(0, 1, 6))
    band = np.clip(np.searchsorted(deciles, pd, side="right") - 1, 0, 4)
    for b in range(5):
        mask = band == b
        assert abs(pd[mask].mean() - y[mask].mean()) < 0.25 * y[mask].mean() + 0.005


def test_points_follow_offset_minus_factor_log_odds(model, data):
    scale = PointsScale(base_points=600, base_odds=50, pdo=20)
    assert scale.points(1 / 51) == pytest.approx(600.0)
    assert scale.points(2 / 52) == pytest.approx(580.0)  # odds doubled: 20 points less
    assert scale.factor == pytest.approx(20 / math.log(2))
    out = model.score(data.head(50))
    pd = out["pd"].to_numpy()
    assert np.allclose(
        out["points"].to_numpy(), scale.offset - scale.factor * np.log(pd / (1 - pd))
    )


def test_grades_follow_the_pd_cut_offs(model, data):
    out = model.score(data).filter(pl.col("pd").is_not_null())
    healthy_max, sub_max = model.config.healthy_max_pd, model.config.subhealthy_max_pd
    expected = (
        pl.when(pl.col("pd") < healthy_max)
        .then(pl.lit("healthy"))
        .when(pl.col("pd") < sub_max)
        .then(pl.lit("subhealthy"))
        .otherwise(pl.lit("unhealthy"))
    )
    # Up to floating-point ties at the boundary, grade by score = grade by PD.
    mismatch = out.with_columns(expected.alias("by_pd")).filter(
        (pl.col("by_pd") != pl.col("grade_code"))
        & ((pl.col("pd") - healthy_max).abs() > 1e-9)
        & ((pl.col("pd") - sub_max).abs() > 1e-9)
    )
    assert mismatch.height == 0
    assert set(out["grade_code"]) == {"healthy", "subhealthy", "unhealthy"}


def test_red_flag_forces_unhealthy_and_too_little_data_is_insufficient(data):
    config = ScorecardConfig(red_flags=(("is_listed", "失信被执行人"),), min_indicators=2)
    model = fit_scorecard(data, DIRECTIONS, "bad", config=config)
    rows = grid("profit", [4.0, 4.0, None], {"debt": 0.01, "sales": 1e4}).with_columns(
        is_listed=pl.Series([True, False, False]), debt=pl.Series([0.01, 0.01, None])
    )
    out = model.score(rows)
    assert out["grade_code"].to_list() == ["unhealthy", "healthy", "insufficient"]
    assert out["reasons"][0].to_list()[0] == "失信被执行人"
    assert out["lift_actions"][0].to_list()[0] == "解除：失信被执行人"
    assert out["overall_score"][2] is None and out["pd"][2] is None
    assert out["reason_codes"][2].to_list() == ["insufficient_data"]


# --- reasons and the way up -----------------------------------------------------------------


def test_the_first_reason_is_the_indicator_that_costs_the_most(model):
    out = model.score(grid("profit", [-3.0], {"debt": 0.5}))
    assert out["reason_codes"][0].to_list()[0] == "profit"
    assert out["reasons"][0].to_list()[0].startswith("profit偏低")


def test_following_the_lift_plan_reaches_the_next_grade(model, data):
    scores = model.score(data, keep=["firm"])
    order = {"unhealthy": 0, "subhealthy": 1, "healthy": 2}
    candidates = scores.filter(
        pl.col("grade_code").is_in(["subhealthy", "unhealthy"])
        & (pl.col("lift_codes").list.len() == 1)
        & pl.col("lift_targets").list.first().is_not_null()
    ).head(40)
    assert candidates.height >= 10
    for row in candidates.iter_rows(named=True):
        code, target = row["lift_codes"][0], row["lift_targets"][0]
        firm = data.filter(pl.col("firm") == row["firm"])
        direction = DIRECTIONS[code]
        nudge = 1e-9 * max(abs(target), 1.0) * direction  # "above" / "below" the threshold
        moved = firm.with_columns(pl.lit(target + nudge).alias(code))
        after = model.score(moved).row(0, named=True)
        assert order[after["grade_code"]] > order[row["grade_code"]], row
        assert after["overall_score"] >= row["overall_score"] + row["score_to_next_grade"] - 1e-6


# --- expert weights (cold start) and AHP ----------------------------------------------------


def test_ahp_weights_and_consistency_ratio_of_a_textbook_matrix():
    result = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert result.weights == pytest.approx([0.637, 0.258, 0.105], abs=5e-4)
    assert result.lambda_max == pytest.approx(3.039, abs=1e-3)
    assert result.consistency_ratio == pytest.approx(0.033, abs=1e-3)
    with pytest.raises(ValueError, match="inconsistent"):
        ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.raises(ValueError, match="reciprocal"):
        ahp_weights([[1, 2], [2, 1]])


def test_expert_scorecard_without_outcomes_uses_percentiles_and_ahp_weights(data):
    ahp = ((1.0, 3.0), (1 / 3, 1.0))
    expert = fit_scorecard(
        data, DIRECTIONS, None, dimensions=DIMENSIONS, config=ScorecardConfig(ahp_matrix=ahp)
    )
    assert expert.kind == "expert" and not expert.has_pd
    assert expert.dimension_weights == pytest.approx([0.75, 0.25])
    out = expert.score(data.head(200), keep=["firm"])
    assert out["pd"].null_count() == 200
    both = out.drop_nulls(["score_earnings", "score_structure"])
    expected = 0.75 * both["score_earnings"] + 0.25 * both["score_structure"]
    assert np.abs(both["overall_score"] - expected).max() < 1e-9
    parts = (
        expert.explain(data.head(200), keep=["firm"]).group_by("firm").agg(pl.col("points").sum())
    )
    joined = out.join(parts, on="firm")
    assert np.abs(joined["overall_score"] - joined["points_right"]).max() < 1e-9


def test_fitted_model_refuses_too_few_events(data):
    few = data.with_columns(bad=pl.Series([True] * 5 + [False] * (data.height - 5)))
    with pytest.raises(ValueError, match="at least 10"):
        fit_scorecard(few, DIRECTIONS, "bad")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"healthy_max_pd": 0.2, "subhealthy_max_pd": 0.1}, "PD cut-offs"),
        ({"kind": "neural"}, "kind"),
        ({"basis": "global"}, "basis"),
        ({"stacking": "average"}, "stacking"),
    ],
)
def test_bad_scorecard_config_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ScorecardConfig(**kwargs)


def test_following_the_expert_lift_plan_reaches_the_next_grade(data):
    expert = fit_scorecard(data, DIRECTIONS, None, dimensions=DIMENSIONS)
    scores = expert.score(data, keep=["firm"])
    order = {"unhealthy": 0, "subhealthy": 1, "healthy": 2}
    candidates = scores.filter(
        pl.col("grade_code").is_in(["subhealthy", "unhealthy"])
        & (pl.col("lift_codes").list.len() == 1)
        & pl.col("lift_targets").list.first().is_not_null()
    ).head(30)
    assert candidates.height >= 10
    for row in candidates.iter_rows(named=True):
        code, target = row["lift_codes"][0], row["lift_targets"][0]
        nudge = 1e-6 * max(abs(target), 1.0) * DIRECTIONS[code]
        moved = data.filter(pl.col("firm") == row["firm"]).with_columns(
            pl.lit(target + nudge).alias(code)
        )
        after = expert.score(moved).row(0, named=True)
        assert order[after["grade_code"]] > order[row["grade_code"]], row


# --- peer reference -------------------------------------------------------------------------


def test_peer_reference_scores_a_single_row_like_the_batch_and_falls_back():
    from scoring.reference import PeerReference

    frame = pl.DataFrame(
        {
            "month": ["m1"] * 6 + ["m2"] * 6,
            "group": ["a", "a", "a", "a", "b", "b"] * 2,
            "x": [1.0, 2.0, 3.0, 4.0, 100.0, 200.0, 10.0, 20.0, 30.0, 40.0, 5.0, 6.0],
        }
    )
    ref = PeerReference.fit(frame, ["x"], [("group",)], min_group=3, by="month")
    batch, _ = ref.transform(frame)
    one, _ = ref.transform(frame[2:3])
    assert one[0, 0] == batch[2, 0] == 0.625  # 3.0 among 1..4 of group a in m1
    # Group b has 2 rows per month (< 3): ranked among the whole month instead.
    assert batch[4, 0] == pytest.approx(4.5 / 6)
    assert ref.group_labels(frame).to_list()[:5] == ["a", "a", "a", "a", "all"]
    # A month never seen falls back to every month pooled.
    unseen, _ = ref.transform(pl.DataFrame({"month": ["m9"], "group": ["a"], "x": [25.0]}))
    assert 0.5 < unseen[0, 0] < 1.0


def test_the_pipeline_defaults_need_every_indicator_of_a_smaller_model(data):
    # DEFAULTS asks for 4 indicators in 3 dimensions; a model with fewer needs all it has.
    model = fit_scorecard(data, {"profit": +1, "debt": -1}, "bad")
    out = model.score(grid("debt", [0.5, None]))
    assert out["grade_code"].to_list()[1] == "insufficient"
    assert out["overall_score"][0] is not None and out["overall_score"][1] is None
    assert "至少需2项" in out["reasons"][1][0]


def test_next_grade_targets_read_as_plain_numbers_with_chinese_units(data):
    # Debt as a tiny ratio and profit in yuan: the old text said "debt降至3.48e-18以下".
    scaled = data.with_columns(pl.col("debt") * 1e-17, pl.col("profit") * 1e6)
    model = fit_scorecard(
        scaled,
        DIRECTIONS,
        "bad",
        config=ScorecardConfig(min_indicators=1, min_dimensions=1, max_lift_actions=4),
    )
    actions = model.score(scaled)["lift_actions"].explode().drop_nulls().to_list()
    moves = [a for a in actions if "提高至" in a or "降至" in a]
    assert moves
    assert not [a for a in moves if "e-" in a or "e+" in a]
    assert any(a.startswith("profit提高至") and "万以上" in a for a in moves)
    assert any(a.startswith("debt降至0以下") for a in moves)
