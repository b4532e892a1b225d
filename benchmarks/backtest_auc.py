"""Print how well the health scores separate the simulator's ground truth.

    python benchmarks/backtest_auc.py [--data-root data/sim] [--duckdb data/warehouse.duckdb]

For every scored month whose next 12 months are observed, firms without an earlier distress
event are labelled by whether a first distress event (enforcement, dishonest listing,
revocation, closure) follows within 12 months. Prints the AUC of the overall score, of each
dimension, and of the simulator's latent health (the ceiling no department data can reach).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import polars as pl

from scoring import roc_auc
from scoring.backtest import distress_labels

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", default=str(REPO / "data" / "sim"))
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--horizon", type=int, default=12)
    args = parser.parse_args()
    truth = Path(args.data_root) / "truth"
    events = pl.read_csv(truth / "distress_events.csv", try_parse_dates=True).rename(
        {"uscc": "firm_id"}
    )
    with duckdb.connect(args.duckdb, read_only=True) as con:
        scores = con.sql("select * from scoring.firm_health_scores").pl()
    labelled = distress_labels(scores, events, args.horizon).filter(pl.col("eligible"))
    months = labelled["period_month"].unique().sort()
    print(
        f"months evaluated: {len(months)} ({months.min()} .. {months.max()}), "
        f"firm-months: {labelled.height:,}, distress rate: {labelled['distress_next'].mean():.1%}"
    )
    rows = []
    for col in [
        "overall_score",
        "score_operations",
        "score_innovation",
        "score_structure",
        "score_efficiency",
        "score_risk",
    ]:
        sub = labelled.filter(pl.col(col).is_not_null())
        if sub["distress_next"].n_unique() == 2:
            rows.append((col, sub.height, roc_auc(sub["distress_next"], -sub[col])))
    grade_rank = {"健康": 0, "亚健康": 1, "不健康": 2}
    sub = labelled.filter(pl.col("grade").is_in(list(grade_rank)))
    rows.append(
        (
            "grade (3 levels)",
            sub.height,
            roc_auc(sub["distress_next"], sub["grade"].replace_strict(grade_rank)),
        )
    )
    latent = truth / "latent_health.parquet"
    if latent.exists():
        h = pl.read_parquet(latent).rename({"uscc": "firm_id", "month": "period_month"})
        joined = labelled.join(h, on=["firm_id", "period_month"], how="inner")
        rows.append(
            (
                "latent health (ceiling)",
                joined.height,
                roc_auc(joined["distress_next"], -joined["h"]),
            )
        )
    print(f"{'score':<26}{'firm-months':>12}{'AUC':>8}")
    for name, n, auc in rows:
        print(f"{name:<26}{n:>12,}{auc:>8.3f}")
    print("\nrate of distress within 12 months by grade (observed):")
    print(
        labelled.group_by("grade")
        .agg(pl.len().alias("firm_months"), pl.col("distress_next").mean().alias("distress_rate"))
        .sort("grade")
    )


if __name__ == "__main__":
    main()
