"""Print how well the monthly alert list finds firms before they fall, out of time, against the
simulator's ground truth and the departments' own records.

    python benchmarks/alert_backtest.py [--duckdb data/warehouse.duckdb] [--data-root data/sim]
                                        [--from 2025-04 --to 2025-09]

Reads the built warehouse read-only (delivery.alert_ranking, delivery.alert_candidates,
delivery.alert_lifecycle, scoring.firm_health_scores, marts.fct_distress_events) and the
simulator's truth (truth/distress_events.csv). Every month's list was made by the pipeline from
what was known at that month's end (the ranking is fitted on earlier months only), so this is an
out-of-time test as long as the test months' 12-month outcomes lie inside the simulation.

Per test month M, over live firms (not revoked, not silent for 12 months):
  - label: a distress event dated after M's end and within 12 months (truth: enforcement,
    dishonest listing, revocation, closure, or going dormant; departments: the first four);
  - precision at k: share of the k riskiest live firms with the label (k = 1% and 5% of live
    firms), for the shipped ranking and for the PD alone;
  - the shipped list (is_listed: the county budget plus new severe red flags) and the old list
    (every 亚健康 / 不健康 firm, dead firms included, as main shipped it) as baselines;
  - recall: share of the labelled live firms on the list;
  - per rule: firms it fires for, precision, and lift over the base rate.
Then, per distress event in the 12 months after the window's first month: whether the firm was
on the monthly list at least 3 months before it, and the lead (months from its first listing
in the 12 months before the event to the event).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]


def month_index(col: str) -> pl.Expr:
    return pl.col(col).dt.year().cast(pl.Int32) * 12 + pl.col(col).dt.month().cast(pl.Int32) - 1


def labels(frame: pl.DataFrame, events: pl.DataFrame, name: str) -> pl.DataFrame:
    """Add a 0/1 column ``name``: an event after the month's end, within 12 months."""
    keyed = frame.select("firm_id", "period_month").with_columns(
        _s=pl.col("period_month").dt.month_end(),
        _e=pl.col("period_month").dt.offset_by("12mo").dt.month_end(),
    )
    hit = (
        keyed.join(events, on="firm_id")
        .filter((pl.col("event_date") > pl.col("_s")) & (pl.col("event_date") <= pl.col("_e")))
        .select("firm_id", "period_month")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias(name))
    )
    return frame.join(hit, on=["firm_id", "period_month"], how="left").with_columns(
        pl.col(name).fill_null(0)
    )


def prior(frame: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add ``has_prior``: the firm had a (truth) distress event on or before the month's end."""
    first = events.group_by("firm_id").agg(pl.col("event_date").min().alias("_first"))
    return (
        frame.join(first, on="firm_id", how="left")
        .with_columns(has_prior=pl.col("_first") <= pl.col("period_month").dt.month_end())
        .with_columns(pl.col("has_prior").fill_null(False))
        .drop("_first")
    )


def top_share(frame: pl.DataFrame, score: str, share: float, label: str) -> tuple[int, float]:
    out = []
    for _, month in frame.group_by("period_month"):
        k = max(1, round(month.height * share))
        out.append(month.sort(score, descending=True, nulls_last=True).head(k))
    top = pl.concat(out)
    return top.height, float(top[label].mean())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--data-root", default=str(REPO / "data" / "sim"))
    parser.add_argument("--from", dest="first", default="2025-04")
    parser.add_argument("--to", dest="last", default="2025-09")
    args = parser.parse_args()
    first = dt.date.fromisoformat(args.first + "-01")
    last = dt.date.fromisoformat(args.last + "-01")
    with duckdb.connect(args.duckdb, read_only=True) as con:
        ranking = con.sql(
            "select firm_id, period_month, pd, risk, risk_basis, rank, is_listed, county_rank, "
            "county_quota from delivery.alert_ranking where period_month between $1 and $2",
            params=[first, last],
        ).pl()
        old_list = con.sql(
            "select firm_id, period_month, grade_code from scoring.firm_health_scores "
            "where period_month between $1 and $2",
            params=[first, last],
        ).pl()
        fired = con.sql(
            "select firm_id, period_month, rule_code from delivery.alert_candidates "
            "where suppressed is null and period_month between $1 and $2",
            params=[first, last],
        ).pl()
        listed_all = con.sql(
            "select firm_id, period_month from delivery.alert_ranking where is_listed"
        ).pl()
        dept_events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()
        last_month = con.sql("select max(period_month) from delivery.alert_ranking").fetchall()[0][
            0
        ]
        repeats = con.sql(
            """select count(*) from delivery.alert_lifecycle a
               join delivery.alert_lifecycle b
                 on a.fingerprint = b.fingerprint
                and b.period_month = a.period_month - interval 1 month
               where a.is_sent and b.is_sent and a.state = b.state and a.state <> 'resolved'
                 and a.severity = b.severity"""
        ).fetchall()[0][0]
        sent = con.sql("select count(*) from delivery.alert_lifecycle where is_sent").fetchall()[0][
            0
        ]
    truth = pl.read_csv(
        Path(args.data_root) / "truth" / "distress_events.csv", try_parse_dates=True
    )
    truth = truth.rename({"uscc": "firm_id"}).select("firm_id", "event_date")
    basis = ranking["risk_basis"].value_counts().iter_rows()
    print(
        f"test months {first:%Y-%m} .. {last:%Y-%m}; outcomes observed through "
        f"{last_month:%Y-%m} (a 12-month window needs the test months to end by then)"
    )
    print("ranking basis per firm-month: " + ", ".join(f"{b} {n:,}" for b, n in basis))

    frame = labels(labels(ranking, truth, "truth"), dept_events, "dept")
    frame = prior(frame, truth)
    months = frame["period_month"].n_unique()
    live = frame.height / months
    print(f"live firms per month: {live:,.0f}")
    for population, sub in (
        ("all live firms", frame),
        ("live firms with no earlier distress", frame.filter(~pl.col("has_prior"))),
    ):
        print(f"\n== {population}: {sub.height / months:,.0f} per month")
        print(f"  {'list':<44}{'firms/mo':>9}{'truth':>8}{'depts':>8}")
        base_t, base_d = sub["truth"].mean(), sub["dept"].mean()
        label = "base rate (every firm)"
        print(f"  {label:<44}{sub.height / months:>9,.0f}{base_t:>8.1%}{base_d:>8.1%}")
        for share in (0.01, 0.05):
            for score, name in (("risk", "shipped ranking"), ("pd", "PD alone")):
                n, p_t = top_share(sub, score, share, "truth")
                _, p_d = top_share(sub, score, share, "dept")
                label = f"top {share:.0%} of live firms, {name}"
                print(f"  {label:<44}{n / months:>9,.0f}{p_t:>8.1%}{p_d:>8.1%}")
        shipped = sub.filter(pl.col("is_listed"))
        print(
            f"  {'shipped list (budget + new severe flags)':<44}{shipped.height / months:>9,.0f}"
            f"{shipped['truth'].mean():>8.1%}{shipped['dept'].mean():>8.1%}"
        )
        recall_t = shipped["truth"].sum() / max(1, sub["truth"].sum())
        recall_d = shipped["dept"].sum() / max(1, sub["dept"].sum())
        print(f"  recall of the shipped list: truth {recall_t:.1%}, departments {recall_d:.1%}")

    latent_path = Path(args.data_root) / "truth" / "latent_health.parquet"
    if latent_path.exists():
        latent = pl.read_parquet(latent_path).rename({"uscc": "firm_id", "month": "period_month"})
        with_h = frame.join(latent, on=["firm_id", "period_month"], how="inner").with_columns(
            neg_h=-pl.col("h")
        )
        _, ceiling = top_share(with_h, "neg_h", 0.05, "truth")
        _, ceiling_np = top_share(with_h.filter(~pl.col("has_prior")), "neg_h", 0.05, "truth")
        print(
            "\nceiling (the simulator's hidden latent health, which no department sees), top 5%: "
            f"all live firms {ceiling:.1%}, no earlier distress {ceiling_np:.1%}"
        )

    # dead firms on the list, by the warehouse's status and by the simulator's truth
    dormant = pl.read_csv(
        Path(args.data_root) / "truth" / "dormant_firms.csv", try_parse_dates=True
    )
    gone = (
        truth.join(
            pl.read_csv(
                Path(args.data_root) / "truth" / "distress_events.csv", try_parse_dates=True
            )
            .rename({"uscc": "firm_id"})
            .filter(pl.col("event_type").is_in(["revocation", "closure"]))
            .select("firm_id", pl.col("event_date").alias("gone_date")),
            on="firm_id",
        )
        .select("firm_id", "gone_date")
        .unique()
    )
    listed = frame.filter(pl.col("is_listed")).select("firm_id", "period_month")
    dead = (
        listed.join(dormant.rename({"uscc": "firm_id"}), on="firm_id", how="left")
        .join(gone, on="firm_id", how="left")
        .with_columns(
            dead=(pl.col("dormant_from") <= pl.col("period_month").dt.offset_by("-12mo"))
            | (pl.col("gone_date") <= pl.col("period_month").dt.month_end())
        )
        .unique(["firm_id", "period_month"])
    )
    print(
        f"listed firm-months already dead by the simulator's truth (revoked, closed or dormant "
        f"12+ months): {int(dead['dead'].fill_null(False).sum()):,} of {dead.height:,} "
        f"({dead['dead'].fill_null(False).mean():.1%})"
    )

    old = labels(labels(old_list, truth, "truth"), dept_events, "dept")
    old_listed = old.filter(pl.col("grade_code").is_in(["subhealthy", "unhealthy", "exited"]))
    print(
        "\nbaseline (main's list: every 亚健康/不健康 firm, dead firms included): "
        f"{old_listed.height / months:,.0f} firms/month, precision truth "
        f"{old_listed['truth'].mean():.1%}, departments {old_listed['dept'].mean():.1%}"
    )

    # per rule
    per_rule = (
        fired.join(
            frame.select("firm_id", "period_month", "truth", "dept"), on=["firm_id", "period_month"]
        )
        .group_by("rule_code")
        .agg(pl.len().alias("n"), pl.col("truth").mean(), pl.col("dept").mean())
        .sort("truth", descending=True)
    )
    base = frame["truth"].mean()
    print(f"\nper rule (live firms, months pooled; truth base rate {base:.1%}):")
    print(f"  {'rule':<26}{'firms/mo':>9}{'truth':>8}{'lift':>6}{'depts':>8}")
    for rule, n, p_t, p_d in per_rule.iter_rows():
        print(f"  {rule:<26}{n / months:>9,.0f}{p_t:>8.1%}{p_t / base:>6.1f}{p_d:>8.1%}")

    # lead: events in the 12 months after the first test month, firm live and listed before
    ev = truth.join(
        truth.group_by("firm_id").agg(pl.col("event_date").min().alias("first_event")), on="firm_id"
    ).filter(pl.col("event_date") == pl.col("first_event"))
    window_end = min(last_month, dt.date(first.year + 1, first.month, 1))
    ev = ev.filter(
        (pl.col("event_date") > pl.lit(first).dt.month_end())
        & (pl.col("event_date") <= pl.lit(window_end).dt.month_end())
    ).unique("firm_id")
    hist = (
        listed_all.join(ev, on="firm_id")
        .with_columns(lead=month_index("event_date") - month_index("period_month"))
        .filter((pl.col("lead") >= 1) & (pl.col("lead") <= 12))
    )
    firm_lead = hist.group_by("firm_id").agg(pl.col("lead").max())
    caught3 = firm_lead.filter(pl.col("lead") >= 3).height
    median_lead = float(np.median(firm_lead["lead"].to_numpy())) if firm_lead.height else np.nan
    print(
        f"\nfirst distress events (truth) {first:%Y-%m} .. {window_end:%Y-%m}: {ev.height:,}; "
        f"on the list in the 12 months before: {firm_lead.height:,} "
        f"({firm_lead.height / max(1, ev.height):.1%}); "
        f"at least 3 months before: {caught3:,} ({caught3 / max(1, ev.height):.1%}); "
        f"median lead of the listed: {median_lead:.1f} months"
    )
    print(
        f"\nlifecycle: {sent:,} alerts sent over all months; unchanged alerts sent again the "
        f"next month: {repeats:,}"
    )


if __name__ == "__main__":
    main()
