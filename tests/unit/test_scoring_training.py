"""Training on a firm-month panel: no look-ahead, windows, the cold-start / fitted switch, and
the validation report."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from pipelines.defs.scoring.assets import ScoringRunConfig
from scoring import IndicatorSpec, ScoringConfig
from scoring.metrics import ks_statistic, psi
from scoring.monthly import scorecard_config
from scoring.scorecard import ScorecardConfig
from scoring.training import (
    choose_and_fit,
    fit_panel_scorecard,
    labelled_panel,
    month_end,
    split_months,
)
from scoring.validation import build_report, compare_scores, render_markdown

SPECS = [
    IndicatorSpec("margin", "efficiency", +1, label_zh="利润率"),
    IndicatorSpec("debt", "structure", -1, label_zh="资产负债率"),
    IndicatorSpec("sales_growth", "operations", +1, label_zh="销售增速"),
    IndicatorSpec("arrears", "risk", -1, "absence", label_zh="欠税"),
]
CONFIG = ScorecardConfig(min_peer_group=20, min_indicators=2, min_dimensions=2)


def first_of(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def make_panel(firms: int = 800, months: int = 30, seed: int = 5):
    """A firm-month panel whose latent health drifts; distress follows weak health."""
    rng = np.random.default_rng(seed)
    health = rng.normal(size=firms)
    rows, events = [], []
    for t in range(months):
        health = 0.95 * health + 0.3 * rng.normal(size=firms)
        month = first_of(2023, 1 + t)
        noisy = health + rng.normal(scale=0.8, size=firms)
        rows.append(
            pl.DataFrame(
                {
                    "firm_id": [f"F{i:04d}" for i in range(firms)],
                    "period_month": [month] * firms,
                    "industry_division": rng.choice(["13", "14"], firms).tolist(),
                    "industry_section": ["C"] * firms,
                    "size_class": ["小型"] * firms,
                    "margin": np.where(rng.random(firms) < 0.1, np.nan, noisy),
                    "debt": 1 / (1 + np.exp(noisy)) + rng.normal(scale=0.1, size=firms),
                    "sales_growth": noisy * 0.5 + rng.normal(size=firms),
                    "arrears": np.where(noisy < -1.5, rng.integers(1, 4, firms), 0).astype(float),
                }
            )
        )
        onset = rng.random(firms) < 1 / (1 + np.exp(4.5 + 1.5 * health))
        for i in np.flatnonzero(onset):
            events.append((f"F{i:04d}", month + dt.timedelta(days=int(rng.integers(0, 27)))))
    panel = pl.concat(rows).with_columns(pl.col("margin").fill_nan(None))
    return panel, pl.DataFrame(events, schema=["firm_id", "event_date"], orient="row")


@pytest.fixture(scope="module")
def panel_and_events():
    return make_panel()


# --- labels and windows ---------------------------------------------------------------------


def test_labels_use_nothing_after_as_of(panel_and_events):
    panel, events = panel_and_events
    as_of = dt.date(2024, 12, 31)
    labelled = labelled_panel(panel, events, 12, as_of)
    # Only months whose 12-month horizon has ended by as_of: up to December 2023.
    assert labelled["period_month"].max() == dt.date(2023, 12, 1)
    late = events.with_columns(pl.lit(dt.date(2025, 1, 5)).alias("event_date"))
    moved = labelled_panel(panel, pl.concat([events, late]), 12, as_of)
    assert moved.equals(labelled)  # an event after as_of changes nothing


def test_windows_are_consecutive_and_do_not_overlap():
    months = [first_of(2023, m) for m in range(1, 25)]
    w = split_months(months, calibration_months=6, test_months=6)
    assert (len(w.fit), len(w.calibration), len(w.test)) == (12, 6, 6)
    assert max(w.fit) < min(w.calibration) and max(w.calibration) < min(w.test)
    with pytest.raises(ValueError, match="at least 13"):
        split_months(months[:12], 6, 6)
    assert month_end(dt.date(2023, 12, 1)) == dt.date(2023, 12, 31)


def test_no_feature_or_outcome_after_as_of_reaches_the_model(panel_and_events):
    panel, events = panel_and_events
    as_of = dt.date(2024, 12, 31)

    def fit(p, e):
        labelled = labelled_panel(p, e, 12, as_of)
        months = sorted(set(labelled["period_month"].to_list()))
        return fit_panel_scorecard(labelled, SPECS, split_months(months, 3), CONFIG).summary()

    baseline = fit(panel, events)
    # Rewrite the future: every indicator after December 2023 (whose outcomes are not yet
    # complete by as_of) and every event after as_of.
    future = pl.col("period_month") > dt.date(2023, 12, 1)
    scrambled = panel.with_columns(
        [pl.when(future).then(-pl.col(c) * 7.0 + 3.0).otherwise(pl.col(c)).alias(c)
         for c in ("margin", "debt", "sales_growth", "arrears")]
    )  # fmt: skip
    rng = np.random.default_rng(0)
    extra = pl.DataFrame(
        {
            "firm_id": panel["firm_id"].unique().sort().sample(200, seed=1),
            "event_date": [as_of + dt.timedelta(days=int(d)) for d in rng.integers(1, 400, 200)],
        }
    )
    assert fit(scrambled, pl.concat([events, extra])) == baseline


def test_a_month_scores_the_same_whatever_the_other_months_hold(panel_and_events):
    panel, events = panel_and_events
    labelled = labelled_panel(panel, events)
    months = sorted(set(labelled["period_month"].to_list()))
    model = fit_panel_scorecard(labelled, SPECS, split_months(months, 3), CONFIG)
    march = panel.filter(pl.col("period_month") == dt.date(2025, 3, 1))
    others = panel.filter(
        pl.col("period_month").is_in([dt.date(2025, 2, 1), dt.date(2025, 4, 1)])
    ).with_columns(pl.col("margin") * -1)
    alone = model.score(march)
    together = model.score(pl.concat([others, march])).filter(
        pl.col("period_month") == dt.date(2025, 3, 1)
    )
    assert alone.equals(together)


# --- cold start and the switch to fitted weights --------------------------------------------


def test_without_outcomes_the_expert_model_is_in_force(panel_and_events):
    panel, _ = panel_and_events
    no_events = pl.DataFrame(schema={"firm_id": pl.String, "event_date": pl.Date})
    labelled = labelled_panel(panel, no_events)
    choice = choose_and_fit(labelled, panel, SPECS, CONFIG, min_events=50)
    assert choice.production.kind == "expert"
    assert "no usable outcome history" in choice.reason
    assert choice.production.score(panel.head(5))["pd"].null_count() == 5
    with pytest.raises(ValueError):
        choose_and_fit(labelled, panel, SPECS, CONFIG, mode="fitted")


def test_with_outcome_history_fitted_weights_take_over(panel_and_events):
    panel, events = panel_and_events
    labelled = labelled_panel(panel, events)
    choice = choose_and_fit(labelled, panel, SPECS, CONFIG, min_events=50)
    assert choice.production.kind == "fitted" and choice.production.has_pd
    assert choice.validation is not None
    assert max(choice.validation_windows.calibration) < min(choice.validation_windows.test)
    # Too few events for the configured minimum: back to expert weights, saying why.
    strict = choose_and_fit(labelled, panel, SPECS, CONFIG, min_events=10**6)
    assert strict.production.kind == "expert" and "fewer than" in strict.reason
    forced = choose_and_fit(labelled, panel, SPECS, CONFIG, mode="expert")
    assert forced.production.kind == "expert"


def test_the_method_in_force_is_the_one_with_the_better_out_of_time_auc(panel_and_events):
    panel, events = panel_and_events
    labelled = labelled_panel(panel, events)
    choice = choose_and_fit(
        labelled, panel, SPECS, CONFIG, min_events=50, methods=("boosted", "woe")
    )
    aucs = choice.method_auc
    assert set(aucs) == {"boosted", "woe"} and all(0.5 < a <= 1.0 for a in aucs.values())
    best = max(aucs, key=aucs.get)
    assert choice.production.config.method == choice.validation.config.method == best
    assert f"({best})" in choice.reason
    # Too little history for the hand-over: expert, saying why.
    early = choose_and_fit(labelled, panel, SPECS, CONFIG, min_events=50, min_labelled_months=99)
    assert early.production.kind == "expert" and "fewer than 99" in early.reason


def test_run_config_reaches_the_library_config():
    config = scorecard_config(
        ScoringRunConfig(model="expert", healthy_max_pd=0.02, pdo=40.0).settings(),
        (("is_revoked", "吊销"),),
    )
    assert config.kind == "expert" and config.healthy_max_pd == 0.02
    assert config.points.pdo == 40.0 and config.red_flags == (("is_revoked", "吊销"),)
    assert config.dimensions == ("operations", "innovation", "structure", "efficiency", "risk")


# --- validation -----------------------------------------------------------------------------


def test_validation_report_compares_the_scorecard_with_both_baselines(panel_and_events):
    panel, events = panel_and_events
    labelled = labelled_panel(panel, events).with_columns(
        debt_to_assets=pl.col("debt").clip(0.01, 0.99), roa=pl.col("margin") / 10
    )
    choice = choose_and_fit(labelled, panel, SPECS, CONFIG, min_events=50, calibration_months=4,
                            test_months=4)  # fmt: skip
    report = build_report(
        choice,
        labelled,
        SPECS,
        ScoringConfig(min_peer_group=20, min_indicators=2, min_dimensions=2),
        group_columns=("industry_division",),
    )
    scores = report["comparison"]["scores"]
    assert set(scores) == {"scorecard", "equal_weight_v1", "altman_z_proxy"}
    for metrics in scores.values():
        assert 0.5 < metrics["auc"] <= 1.0 and 0 < metrics["brier"] < 0.25
        assert {row["grade"] for row in metrics["calibration_by_grade"]} <= {
            "healthy", "subhealthy", "unhealthy"
        }  # fmt: skip
        assert "industry_division" in metrics["auc_by_group"]
    assert scores["scorecard"]["rows"] >= scores["altman_z_proxy"]["rows"]  # missing is scored
    text = render_markdown(report)
    for heading in ("Out-of-time test", "Calibration by grade", "AUC across groups", "Indicators"):
        assert heading in text


def test_compare_scores_platt_scales_a_score_without_pd():
    rng = np.random.default_rng(2)
    health = rng.normal(size=8000)
    y = rng.random(8000) < 1 / (1 + np.exp(3 + health))
    frame = pl.DataFrame({"h": health, "distress_next": y})
    out = compare_scores(frame[:4000], frame[4000:], {"h": ("h", None)})["scores"]["h"]
    assert out["platt_on_calibration_window"]["b"] == pytest.approx(1.0, abs=0.2)
    rate = y[4000:].mean()
    predicted = sum(r["predicted"] * r["rows"] for r in out["calibration_by_grade"]) / 4000
    assert predicted == pytest.approx(rate, rel=0.15)


def test_ks_and_psi_hand_cases():
    assert ks_statistic([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert ks_statistic([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0
    x = np.arange(1000.0)
    assert psi(x, x) == 0.0
    assert psi(x, x + 1.0) < 0.01 < psi(x, x + 300.0)


def test_validation_report_survives_a_history_too_short_to_calibrate(panel_and_events):
    panel, events = panel_and_events
    late = panel.filter(pl.col("period_month") >= dt.date(2024, 5, 1))  # 2 labelled months
    labelled = labelled_panel(late, events.filter(pl.col("event_date") > dt.date(2030, 1, 1)))
    choice = choose_and_fit(labelled, late, SPECS, CONFIG, min_events=50)
    assert choice.production.kind == "expert"
    report = build_report(choice, labelled, SPECS, ScoringConfig(min_indicators=2))
    scores = report["comparison"]["scores"]
    assert all(m["events"] == 0 and "auc" not in m for m in scores.values())
    assert "Out-of-time test" in render_markdown(report)
