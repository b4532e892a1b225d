"""Print how the fitted scorecard ranks and calibrates out of time, against the simulator's truth.

    python benchmarks/scoring_backtest.py [--duckdb data/warehouse.duckdb] [--data-root data/sim]
        [--boost-engine bins|ebm]

Reads the built warehouse (marts.fct_firm_indicators, marts.fct_distress_events) read-only.
The model is fitted exactly as the pipeline fits its validation model: bins and sub-scorecards
on the earliest labelled months, stacking and calibration on the next 6, and tested on the
latest 6 labelled months it never saw. Outcomes for fitting come from the departments' records;
the test is scored against both those records and the simulator's ground truth
(truth/distress_events.csv), next to the equal-weight percentile index (scoring v1), the
Altman Z''-style proxy and the simulator's latent health (the ceiling no department data can
reach). A second, strict variant fits only on what was known at the start of the test window
(outcomes up to then, so its labelled months end a year earlier).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from scoring import roc_auc, score_panel
from scoring.backtest import distress_labels
from scoring.config import specs_from_catalog
from scoring.defaults import DEFAULTS
from scoring.monthly import baseline_config, scorecard_config
from scoring.training import fit_panel_scorecard, labelled_panel, month_end, split_months
from scoring.validation import altman_z_proxy

REPO = Path(__file__).resolve().parents[1]


def truth_labels(panel: pl.DataFrame, truth: pl.DataFrame, last: dt.date) -> pl.DataFrame:
    """Return firm_id, period_month and the ground-truth label where it is defined."""
    return (
        distress_labels(panel.select("firm_id", "period_month"), truth, 12, last_observed=last)
        .filter(pl.col("eligible"))
        .select("firm_id", "period_month", pl.col("distress_next").alias("truth_next"))
    )


def auc_line(name: str, frame: pl.DataFrame, label: str, risk: pl.Expr) -> str:
    sub = frame.select(pl.col(label), risk.alias("_r")).drop_nulls()
    auc = roc_auc(sub[label], sub["_r"])
    return f"  {name:<30}{sub.height:>10,}{int(sub[label].sum()):>8,}{auc:>8.3f}"


def calibration_table(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    return (
        frame.filter(pl.col("pd").is_not_null() & pl.col(label).is_not_null())
        .group_by("grade_code")
        .agg(
            pl.len().alias("firm_months"),
            pl.col("pd").mean().alias("predicted"),
            pl.col(label).mean().alias("observed"),
        )
        .with_columns(relative_error=(pl.col("predicted") / pl.col("observed") - 1.0))
        .sort("predicted")
    )


def read_inputs(duckdb_path: str) -> tuple[pl.DataFrame, pl.DataFrame, list, tuple]:
    """Return what a fit reads from a built warehouse (read-only): the indicator panel with
    each firm's city, the distress events, the indicator specs and the red flags."""
    with duckdb.connect(duckdb_path, read_only=True) as con:
        panel = con.sql(
            "select i.*, f.city_code from marts.fct_firm_indicators i "
            "left join marts.dim_firm f using (firm_id)"
        ).pl()
        events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()
        specs = specs_from_catalog(con.sql("select * from reference.indicator_catalog").pl())
        red_flags = tuple(
            con.sql("select flag_code, label_zh from reference.red_flag_catalog order by 1")
            .pl()
            .iter_rows()
        )
    return panel, events, specs, red_flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--data-root", default=str(REPO / "data" / "sim"))
    parser.add_argument(
        "--boost-engine",
        choices=("bins", "ebm"),
        default=DEFAULTS.boost_engine,
        help="the boosted scorecard's engine (default: the warehouse's, ScoringDefaults)",
    )
    args = parser.parse_args()
    truth_dir = Path(args.data_root) / "truth"
    panel, events, specs, red_flags = read_inputs(args.duckdb)
    truth = pl.read_csv(truth_dir / "distress_events.csv", try_parse_dates=True).rename(
        {"uscc": "firm_id"}
    )
    latent = pl.read_parquet(truth_dir / "latent_health.parquet").rename(
        {"uscc": "firm_id", "month": "period_month"}
    )
    run = replace(DEFAULTS, boost_engine=args.boost_engine)
    config = scorecard_config(run, red_flags)
    v1_config = baseline_config(run, red_flags)

    labelled = labelled_panel(panel, events)
    months = sorted(set(labelled["period_month"].to_list()))
    windows = split_months(months, run.calibration_months, run.test_months)
    print(f"panel: {panel.height:,} firm-months, {panel['firm_id'].n_unique():,} firms")
    print("windows: " + ", ".join(f"{k} {' .. '.join(v)}" for k, v in windows.as_dict().items()))
    started = time.perf_counter()
    model = fit_panel_scorecard(labelled, specs, windows, config)
    print(
        f"fit ({config.method}, {config.boost_engine} engine): "
        f"{time.perf_counter() - started:.1f} s on "
        f"{model.training['rows']:,} rows"
    )
    started = time.perf_counter()
    woe_model = fit_panel_scorecard(labelled, specs, windows, replace(config, method="woe"))
    print(f"fit (woe): {time.perf_counter() - started:.1f} s")

    test_months = pl.Series(list(windows.test), dtype=pl.Date)
    test_panel = panel.filter(pl.col("period_month").is_in(test_months.implode()))
    evaluation = model.evaluate(test_panel)
    v1 = score_panel(test_panel, specs, v1_config).select(
        "firm_id", "period_month", pl.col("overall_score").alias("v1_score")
    )
    scored = (
        test_panel.select("firm_id", "period_month", "size_class")
        .with_columns(
            pd=pl.Series(evaluation.pd).fill_nan(None),
            pd_woe=pl.Series(woe_model.evaluate(test_panel).pd).fill_nan(None),
            overall=pl.Series(evaluation.overall).fill_nan(None),
            grade_code=pl.Series(evaluation.grade_code.astype(str)),
            altman_z=altman_z_proxy(test_panel),
        )
        .join(v1, on=["firm_id", "period_month"], how="left")
        .join(latent, on=["firm_id", "period_month"], how="left")
        .join(
            labelled.select("firm_id", "period_month", "distress_next"),
            on=["firm_id", "period_month"],
            how="left",
        )
        .join(
            truth_labels(test_panel, truth, month_end(panel["period_month"].max())),
            on=["firm_id", "period_month"],
            how="left",
        )
    )

    for label, title in (("truth_next", "ground truth"), ("distress_next", "departments' records")):
        print(f"\nout-of-time AUC, distress within 12 months ({title}):")
        print(f"  {'score':<30}{'rows':>10}{'events':>8}{'AUC':>8}")
        print(auc_line(f"scorecard {config.method} (PD)", scored, label, pl.col("pd")))
        print(auc_line("scorecard woe (PD)", scored, label, pl.col("pd_woe")))
        print(auc_line("equal-weight index (v1)", scored, label, -pl.col("v1_score")))
        print(auc_line("Altman Z'' proxy", scored, label, -pl.col("altman_z")))
        if label == "truth_next":
            print(auc_line("latent health (ceiling)", scored, label, -pl.col("h")))
            common = scored.drop_nulls(["pd", "v1_score", "h", label])
            print(f"  same {common.height:,} rows for all three:")
            print(auc_line("  scorecard", common, label, pl.col("pd")))
            print(auc_line("  equal-weight index (v1)", common, label, -pl.col("v1_score")))
            print(auc_line("  latent health (ceiling)", common, label, -pl.col("h")))

    with pl.Config(tbl_rows=10, float_precision=4):
        for label in ("distress_next", "truth_next"):
            print(f"\ncalibration by grade, predicted mean PD vs observed ({label}):")
            print(calibration_table(scored, label))

    # Strict: only what was known on the day before the test window starts.
    as_of = windows.test[0] - dt.timedelta(days=1)
    strict = labelled_panel(panel, events, 12, as_of)
    strict_months = sorted(set(strict["period_month"].to_list()))
    calibration = max(1, len(strict_months) // 3)
    strict_windows = split_months(strict_months, calibration, 0)
    strict_model = fit_panel_scorecard(strict, specs, strict_windows, config)
    strict_eval = strict_model.evaluate(test_panel)
    strict_scored = scored.with_columns(
        pd=pl.Series(np.asarray(strict_eval.pd)).fill_nan(None),
        grade_code=pl.Series(strict_eval.grade_code.astype(str)),
    )
    print(
        f"\nstrict as-of {as_of}: fitted on "
        + ", ".join(f"{k} {' .. '.join(v)}" for k, v in strict_windows.as_dict().items() if v)
        + "\n(the panel's first months, before 12 months of tax history exist: "
        + f"{len(strict_model.active)} indicators usable)"
    )
    print(auc_line("scorecard (PD), ground truth", strict_scored, "truth_next", pl.col("pd")))
    with pl.Config(tbl_rows=10, float_precision=4):
        print(calibration_table(strict_scored, "distress_next"))


if __name__ == "__main__":
    main()
