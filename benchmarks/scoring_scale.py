"""Print how long scoring takes and how much memory it needs.

    python benchmarks/scoring_scale.py [--duckdb data/warehouse.duckdb] [--rows 1000000]
    python benchmarks/scoring_scale.py --asset --duckdb COPY.duckdb --output-dir DIR

Default: fits the scorecard on the warehouse's indicator table (read-only; with
``--fit-on-grown`` on the grown ``--rows`` firm-months instead), builds ``--rows``
firm-months from it (the real rows, then copies under new firm ids with every indicator
jittered by +-20%, so values are not repeats), and times one ``Scorecard.score`` call on all of
them (five dimension scores, overall score, PD, points, grade, reasons, strengths and the
next-grade plan) and one ``Scorecard.explain`` call (per-indicator contributions). Peak memory
is the process's maximum resident set size, printed before and after scoring.

``--asset`` materializes the Dagster scoring asset instead (fit, score every month, write both
tables and the validation report): it WRITES to the DuckDB file, so pass a copy.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grow(panel: pl.DataFrame, rows: int, indicators: list[str], seed: int = 0) -> pl.DataFrame:
    """Return ``rows`` firm-months: the panel, then jittered copies under new firm ids."""
    parts, copy = [panel], 0
    rng = np.random.default_rng(seed)
    while sum(p.height for p in parts) < rows:
        copy += 1
        jitter = {c: panel[c] * pl.Series(rng.uniform(0.8, 1.2, panel.height)) for c in indicators}
        parts.append(
            panel.with_columns(
                (pl.col("firm_id") + f"~{copy}").alias("firm_id"),
                *[series.alias(c) for c, series in jitter.items()],
            )
        )
    return pl.concat(parts).head(rows)


def score_benchmark(args: argparse.Namespace) -> None:
    from scoring.config import specs_from_catalog
    from scoring.defaults import DEFAULTS
    from scoring.monthly import scorecard_config
    from scoring.training import choose_and_fit, labelled_panel

    with duckdb.connect(args.duckdb, read_only=True) as con:
        panel = con.sql("select * from marts.fct_firm_indicators").pl()
        events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()
        specs = specs_from_catalog(con.sql("select * from reference.indicator_catalog").pl())
        red_flags = tuple(
            con.sql("select flag_code, label_zh from reference.red_flag_catalog order by 1")
            .pl()
            .iter_rows()
        )
    frame = grow(panel, args.rows, [s.code for s in specs])
    if args.fit_on_grown:
        # The copies' firms get the originals' distress events, so the 1M rows are labelled.
        copies = frame["firm_id"].str.split("~").list.get(1, null_on_oob=True).unique()
        events = pl.concat(
            [events]
            + [
                events.with_columns(pl.col("firm_id") + f"~{c}")
                for c in copies.drop_nulls().to_list()
            ]
        )
        panel = frame
    started = time.perf_counter()
    choice = choose_and_fit(
        labelled_panel(panel, events), panel, specs, scorecard_config(DEFAULTS, red_flags)
    )
    model = choice.production
    fit_seconds = time.perf_counter() - started
    print(
        f"fit ({model.kind}, {model.config.method}, {len(model.active)} indicators, on "
        f"{panel.height:,} firm-months: validation and production models): {fit_seconds:.1f} s"
    )
    del panel
    print(f"rows: {frame.height:,}; peak memory before scoring: {peak_mb():,.0f} MB")

    started = time.perf_counter()
    scores = model.score(frame)
    seconds = time.perf_counter() - started
    print(
        f"score: {seconds:.1f} s for {scores.height:,} firm-months "
        f"({scores.height / seconds:,.0f} per second, {scores.width} columns); "
        f"peak memory {peak_mb():,.0f} MB"
    )
    print(
        f"fit + score: {fit_seconds + seconds:.1f} s (issue 16's target: under 60 s); "
        f"peak memory {peak_mb():,.0f} MB"
    )
    print(scores.group_by("grade").len().sort("grade"))
    del scores
    started = time.perf_counter()
    parts = model.explain(frame)
    seconds = time.perf_counter() - started
    print(
        f"explain: {seconds:.1f} s for {parts.height:,} contribution rows; "
        f"peak memory {peak_mb():,.0f} MB"
    )


def asset_benchmark(args: argparse.Namespace) -> None:
    os.environ["EH_OUTPUT_DIR"] = args.output_dir
    import dagster as dg

    from pipelines.defs.scoring.assets import firm_health_scores
    from pipelines.partitions import all_months_tags
    from pipelines.resources import WarehouseResource

    started = time.perf_counter()
    result = dg.materialize(
        [firm_health_scores],
        resources={"warehouse": WarehouseResource(path=args.duckdb)},
        instance=dg.DagsterInstance.ephemeral(),
        tags=all_months_tags(),
    )
    seconds = time.perf_counter() - started
    print(f"asset: success={result.success} in {seconds:.1f} s, peak memory {peak_mb():,.0f} MB")
    for event in result.get_asset_materialization_events():
        for key, value in event.materialization.metadata.items():
            print(f"  {key}: {value.value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--asset", action="store_true")
    parser.add_argument(
        "--fit-on-grown",
        action="store_true",
        help="fit on the --rows firm-months too (copies inherit the originals' events)",
    )
    parser.add_argument("--output-dir", default=str(REPO / "output"))
    args = parser.parse_args()
    if args.asset:
        asset_benchmark(args)
    else:
        score_benchmark(args)


if __name__ == "__main__":
    main()
