"""How the out-of-time ranking depends on how many firms the scorecard is fitted on.

    python benchmarks/training_sample.py [--duckdb data/warehouse.duckdb] [--shares 1 0.5 0.25]

Fits the validation model (benchmarks/scoring_backtest.py's windows) on a stable hash sample of
the labelled firms, scores every firm of the test months it never saw and prints the fitting
time and the AUC against the departments' records and the simulator's truth. The basis of
``max_training_firms`` (scoring/defaults.py). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl
from scoring_backtest import read_inputs, truth_labels

from scoring import roc_auc
from scoring.defaults import DEFAULTS
from scoring.monthly import scorecard_config
from scoring.training import fit_panel_scorecard, labelled_panel, month_end, split_months

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--data-root", default=str(REPO / "data" / "sim"))
    parser.add_argument("--shares", type=float, nargs="+", default=[1.0, 0.5, 0.25])
    args = parser.parse_args()
    panel, events, specs, red_flags = read_inputs(args.duckdb)
    truth = pl.read_csv(
        Path(args.data_root) / "truth" / "distress_events.csv", try_parse_dates=True
    ).rename({"uscc": "firm_id"})
    config = scorecard_config(DEFAULTS, red_flags)
    labelled = labelled_panel(panel, events)
    windows = split_months(
        sorted(set(labelled["period_month"].to_list())),
        DEFAULTS.calibration_months,
        DEFAULTS.test_months,
    )
    test_months = pl.Series(list(windows.test), dtype=pl.Date).implode()
    test = panel.filter(pl.col("period_month").is_in(test_months))
    keys = ["firm_id", "period_month"]
    labels = (
        test.select(keys)
        .join(labelled.select(*keys, "distress_next"), on=keys, how="left")
        .join(
            truth_labels(test, truth, month_end(panel["period_month"].max())), on=keys, how="left"
        )
    )
    print(f"{'share':>6}{'firms':>9}{'rows':>11}{'fit s':>8}{'AUC records':>13}{'AUC truth':>11}")
    for share in args.shares:
        sample = (
            labelled
            if share >= 1
            else labelled.filter(pl.col("firm_id").hash(seed=11) % 1000 < int(share * 1000))
        )
        started = time.perf_counter()
        model = fit_panel_scorecard(sample, specs, windows, config)
        seconds = time.perf_counter() - started
        scored = labels.with_columns(
            pd=pl.Series(np.asarray(model.evaluate(test).pd)).fill_nan(None)
        )
        aucs = []
        for label in ("distress_next", "truth_next"):
            rows = scored.select(label, "pd").drop_nulls()
            aucs.append(roc_auc(rows[label], rows["pd"]))
        print(
            f"{share:>6.2f}{sample['firm_id'].n_unique():>9,}{sample.height:>11,}{seconds:>8.1f}"
            f"{aucs[0]:>13.4f}{aucs[1]:>11.4f}"
        )


if __name__ == "__main__":
    main()
