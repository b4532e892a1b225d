"""Scores every firm-month of the indicator table with the scoring package and writes them back."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
import polars as pl

from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL
from scoring import IndicatorSpec, ScoringConfig, score_panel


class ScoringRunConfig(dg.Config):
    """Grade cut-offs and data-sufficiency rules, settable per run in the launchpad.

    Defaults from the back-test on the simulated region (benchmarks/backtest_auc.py): firms
    scoring >= 55 had a ~2.5% chance of distress within 12 months, 40-55 ~10%, < 40 ~27%.
    """

    healthy_min: float = 55.0
    subhealthy_min: float = 40.0
    min_peer_group: int = 30
    min_indicators: int = 4
    min_dimensions: int = 3


def specs_from_catalog(catalog: pl.DataFrame) -> list[IndicatorSpec]:
    """Return one IndicatorSpec per row of the indicator catalog seed (the single source of
    indicator directions, dimensions and labels)."""
    return [
        IndicatorSpec(
            code=row["indicator_code"],
            dimension=row["dimension"],
            direction=int(row["direction"]),
            transform=row["transform"],
            label_zh=row["name_zh"],
        )
        for row in catalog.sort("indicator_code").iter_rows(named=True)
    ]


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit on success, roll back on any error: readers never see half the months."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@dg.asset(
    key=["scoring", "firm_health_scores"],
    deps=[
        dg.AssetKey(["marts", "fct_firm_indicators"]),
        dg.AssetKey(["reference", "indicator_catalog"]),
        dg.AssetKey(["reference", "red_flag_catalog"]),
    ],
    group_name="scoring",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "scipy"},
    description="企业健康诊断: five dimension scores (经营/创新/结构/质效/风险), "
    "overall score, grade "
    "健康/亚健康/不健康/数据不足, red flags and top reasons for every firm and month.",
)
def firm_health_scores(
    context: dg.AssetExecutionContext, config: ScoringRunConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        catalog = con.sql("select * from reference.indicator_catalog").pl()
        red_flags = con.sql("select flag_code, label_zh from reference.red_flag_catalog").pl()
        months = [
            m
            for (m,) in con.execute(
                "select distinct period_month from marts.fct_firm_indicators order by 1"
            ).fetchall()
        ]
    scoring_config = ScoringConfig(
        healthy_min=config.healthy_min,
        subhealthy_min=config.subhealthy_min,
        min_peer_group=config.min_peer_group,
        min_indicators=config.min_indicators,
        min_dimensions=config.min_dimensions,
        red_flags=tuple(red_flags.sort("flag_code").iter_rows()),
    )
    specs = specs_from_catalog(catalog)
    started = time.perf_counter()
    rows = 0
    # Peer groups are formed within a month, so scoring month by month gives the same result as
    # scoring the whole panel at once while holding only one month in memory (province scale).
    with warehouse.connect() as con, _transaction(con):
        con.execute("create schema if not exists scoring")
        con.execute("drop table if exists scoring.firm_health_scores")
        for i, month in enumerate(months, start=1):
            panel = con.sql(
                "select * from marts.fct_firm_indicators where period_month = $1", params=[month]
            ).pl()
            scores = score_panel(panel, specs, scoring_config)
            con.register("_scores", scores.to_arrow())
            if i == 1:
                con.execute("create table scoring.firm_health_scores as select * from _scores")
            else:
                con.execute("insert into scoring.firm_health_scores select * from _scores")
            con.unregister("_scores")
            rows += scores.height
            if i % 6 == 0 or i == len(months):
                context.log.info(f"scored {i}/{len(months)} months ({rows:,} firm-months)")
    seconds = time.perf_counter() - started
    latest = scores if months else pl.DataFrame({"period_month": [], "grade": []})
    grades = latest.group_by("grade").len().sort("grade")
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "latest_month": str(latest["period_month"].max()) if latest.height else "",
            "scoring_seconds": round(seconds, 2),
            **{f"latest_month_{g}": n for g, n in grades.iter_rows()},
        }
    )
