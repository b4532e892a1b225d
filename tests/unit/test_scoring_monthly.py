"""A monthly scoring run (scoring.monthly): one set of defaults, the hash-sampled training
sample, the model in force per month (refit calendar, no look-ahead), score stability and the
run's report."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from pipelines.defs.scoring.assets import ScoringRunConfig
from scoring.config import ScoringConfig
from scoring.defaults import DEFAULTS
from scoring.monthly import (
    SAMPLE_BUCKETS,
    MonthlyModels,
    ScoreStability,
    refit_month,
    run_report,
    scorecard_config,
    training_shares,
)
from scoring.peers import WAREHOUSE_PEER_LEVELS
from scoring.scorecard import ScorecardConfig, fit_scorecard
from tests.unit.test_scoring_training import SPECS, make_panel

SETTINGS = replace(
    DEFAULTS, min_events=50, calibration_months=4, test_months=4, min_peer_group=20,
    min_indicators=2, min_dimensions=2,
)  # fmt: skip


def test_the_launchpad_defaults_are_the_scoring_defaults():
    assert ScoringRunConfig().settings() == DEFAULTS
    for config in (ScoringConfig(), ScorecardConfig()):
        assert (config.healthy_min, config.subhealthy_min) == (55.0, 40.0)
        assert (config.min_indicators, config.min_dimensions, config.min_peer_group) == (4, 3, 30)
    assert ScorecardConfig().points.pdo == DEFAULTS.pdo


@pytest.fixture(scope="module")
def sampled_panel():
    panel, events = make_panel()
    # The 800 firms spread evenly over the hash buckets (F0000 in bucket 0, F0799 in the last
    # 1,250): a share s samples the first 800 * s firms.
    sample = panel.with_columns(
        (pl.col("firm_id").str.slice(1).cast(pl.Int64) * (SAMPLE_BUCKETS // 800)).alias(
            "_sample_hash"
        )
    )
    return sample, events


def months_of(frame: pl.DataFrame) -> list[dt.date]:
    return sorted(set(frame["period_month"].to_list()))


def every_firm(sample: pl.DataFrame, events: pl.DataFrame, settings) -> MonthlyModels:
    """The models of a run that fits on every firm."""
    shares = dict.fromkeys(months_of(sample), 1.0)
    return MonthlyModels(sample, shares, events, SPECS, scorecard_config(settings, ()), settings)


def test_a_smaller_training_share_samples_a_subset_of_a_larger_one(sampled_panel):
    sample, events = sampled_panel
    june, july = dt.date(2024, 6, 1), dt.date(2024, 7, 1)
    config = scorecard_config(SETTINGS, ())
    models = MonthlyModels(sample, {june: 0.5, july: 0.25}, events, SPECS, config, SETTINGS)
    half, quarter = models.training(june), models.training(july, only=True)
    assert "_sample_hash" not in half.columns
    assert half["firm_id"].n_unique() == 400 and quarter["firm_id"].n_unique() == 200
    assert set(quarter["firm_id"]) <= set(half["firm_id"])
    assert max(months_of(half)) == june and months_of(quarter) == [july]
    everyone = MonthlyModels(sample, {june: 1.0}, events, SPECS, config, SETTINGS)
    assert everyone.training(june)["firm_id"].n_unique() == 800


def test_shares_cap_the_firms_a_fit_reads():
    jan = dt.date(2025, 1, 1)
    assert training_shares({jan: 4 * SAMPLE_BUCKETS}, [jan], SAMPLE_BUCKETS) == {jan: 0.25}


def test_a_fitted_model_serves_every_month_up_to_the_next_refit(sampled_panel):
    sample, events = sampled_panel
    # A challenger that always wins: every quarter end puts a new model in force.
    models = every_firm(sample, events, replace(SETTINGS, switch_margin=-1.0))
    april, may, june = (models.for_month(dt.date(2025, m, 1)) for m in (4, 5, 6))
    assert april.choice.production.kind == "fitted"
    assert april is may and april.refit == dt.date(2025, 3, 1)  # one fit per quarter end
    assert june is not may and june.refit == dt.date(2025, 6, 1)
    # Earlier refits are decided first, in order (a backfill puts in force what a full run
    # would): one hand-over, then a switch at every quarter end up to June.
    decisions = [r["decision"] for r in models.refits]
    assert decisions[0] == "hand-over: expert -> first fitted model"
    assert set(decisions[1:]) == {"switched"} and models.refits[-1]["refit"] == "2025-06-30"
    # Known at the end of March 2025: outcomes complete 12 months earlier, no later event.
    assert max(months_of(april.labelled)) <= dt.date(2024, 3, 1)
    assert april.fitted_firms == 800


def test_an_expert_model_belongs_to_its_own_month(sampled_panel):
    sample, events = sampled_panel
    models = every_firm(sample, events, replace(SETTINGS, model="expert"))
    april, may = (models.for_month(dt.date(2025, m, 1)) for m in (4, 5))
    assert april.choice.production.kind == may.choice.production.kind == "expert"
    assert april is not may


def test_stability_compares_each_month_with_the_one_before():
    rng = np.random.default_rng(0)
    stability = ScoreStability()
    base = rng.normal(50, 10, 5000)
    for month, scores in (("2025-01", base), ("2025-02", base), ("2025-03", base + 15)):
        stability.add(month, scores)
    assert [(r["month"], r["previous"]) for r in stability.rows] == [
        ("2025-02", "2025-01"),
        ("2025-03", "2025-02"),
    ]
    assert stability.rows[0]["psi"] == 0.0 and stability.rows[1]["psi"] > 0.25


def test_the_report_names_the_model_in_force_and_carries_the_stability(sampled_panel):
    sample, events = sampled_panel
    models = every_firm(sample, events, SETTINGS)
    june = dt.date(2025, 6, 1)
    psi_rows = [{"month": "2025-06", "previous": "2025-05", "psi": 0.5}]
    report = run_report(models.for_month(june), june, SPECS, SETTINGS, (), psi_rows, "today")
    assert report["psi"] == psi_rows and report["generated"] == "today"
    assert any("Model in force for 2025-06: fitted" in note for note in report["notes"])
    assert any("2025-06" in note and "PSI" in note for note in report["notes"][1:])


def test_a_challenger_that_is_not_better_out_of_time_leaves_the_champion_in_force(sampled_panel):
    sample, events = sampled_panel
    # No challenger can beat the champion's AUC by a whole point: the March model stays.
    models = every_firm(sample, events, replace(SETTINGS, switch_margin=1.0))
    april, june = models.for_month(dt.date(2025, 4, 1)), models.for_month(dt.date(2025, 6, 1))
    handover, *kept = models.refits
    first = dt.date.fromisoformat(handover["refit"]).replace(day=1)
    assert june is april and june.refit == first < dt.date(2025, 6, 1)  # same model, version
    assert kept and {k["decision"] for k in kept} == {"kept champion"}
    assert all(0.5 < k["champion_auc"] <= 1.0 for k in kept)
    assert not any("effect" in k for k in kept)  # nothing changed for any firm
    # The hand-over is measured on the month's firms: the same rows under both models.
    effect = handover["effect"]
    matrix = effect["migration"]
    assert sum(sum(row.values()) for row in matrix.values()) == effect["rows"] > 0
    off_diagonal = sum(n for a, row in matrix.items() for b, n in row.items() if a != b)
    assert effect["grade_changed"] == pytest.approx(off_diagonal / effect["rows"])


def test_the_run_wide_expert_model_scores_a_month_as_that_months_own_model(sampled_panel):
    sample, events = sampled_panel
    models = every_firm(sample, events, replace(SETTINGS, model="expert"))
    may = dt.date(2025, 5, 1)
    shared = models.for_month(may).choice.production
    rows = models.training(may, only=True)
    own = fit_scorecard(
        rows, SPECS, None, peer_levels=WAREHOUSE_PEER_LEVELS, peer_by="period_month",
        config=replace(models.config, kind="expert"),
    )  # fmt: skip
    a, b = shared.score(rows), own.score(rows)
    assert a["overall_score"].to_list() == pytest.approx(b["overall_score"].to_list(), abs=1e-9)
    assert a["grade_code"].to_list() == b["grade_code"].to_list()


def test_a_backfill_of_later_months_puts_in_force_what_a_full_run_would(sampled_panel):
    sample, events = sampled_panel
    settings = replace(SETTINGS, switch_margin=1.0)  # the first fitted model stays in force
    full = every_firm(sample, events, settings)
    months = months_of(sample)
    for month in months:
        if refit_month(month, 3) >= months[0]:  # refits within the panel
            full.for_month(month)
    later = every_firm(sample, events, settings).for_month(dt.date(2025, 6, 1))
    assert later.refit == full.for_month(dt.date(2025, 6, 1)).refit < dt.date(2025, 6, 1)
