"""A small published snapshot with the warehouse's schema, for tests and the load benchmark.

The scores come from the real scoring library (``scoring.fit_scorecard`` and ``score``), so the
columns of ``scoring.firm_health_scores`` are the pipeline's own; the snapshot is written by
``pipelines.publish.publish_snapshot``, the pipeline's publishing step.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from ingest.uscc import USCC_ALPHABET, org_code_check_char, uscc_check_char
from pipelines.publish import publish_snapshot
from scoring import IndicatorSpec, ScorecardConfig, fit_scorecard

SPECS = [
    IndicatorSpec("tax_sales_yoy", "operations", 1, "peer_percentile", "纳税销售额同比增长"),
    IndicatorSpec("power_kwh_yoy", "operations", 1, "peer_percentile", "用电量同比增长"),
    IndicatorSpec("rd_intensity", "innovation", 1, "peer_percentile", "研发投入强度"),
    IndicatorSpec("debt_ratio", "structure", -1, "peer_percentile", "资产负债率"),
    IndicatorSpec("roa", "efficiency", 1, "peer_percentile", "总资产收益率"),
    IndicatorSpec("tax_arrears_cny", "risk", -1, "absence", "欠税金额"),
]
RED_FLAGS = (("is_dishonest_debtor", "失信被执行人"),)
TABLES = [
    "marts.dim_firm",
    "marts.fct_firm_indicators",
    "scoring.firm_health_scores",
    "delivery.rpt_monthly_alert_list",
]


def sample_codes(n: int, seed: int = 0) -> list[str]:
    """Return ``n`` distinct valid USCCs (Wenzhou region 330302, check characters computed)."""
    rng = np.random.default_rng(seed)
    codes: set[str] = set()
    while len(codes) < n:
        org8 = "".join(rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), 8))
        first17 = "91330302" + org8 + org_code_check_char(org8)
        if all(c in USCC_ALPHABET for c in first17):
            codes.add(first17 + uscc_check_char(first17))
    return sorted(codes)


def sample_frames(
    firms: int = 200, months: int = 3, seed: int = 0, model_version: str | None = "sample-1"
) -> dict[str, pl.DataFrame]:
    """Return the four published tables of a small region, keyed ``schema.table``."""
    rng = np.random.default_rng(seed)
    codes = sample_codes(firms, seed)
    last = dt.date(2026, 9, 1)
    month_list = [
        dt.date(last.year + (last.month - 1 - k) // 12, (last.month - 1 - k) % 12 + 1, 1)
        for k in reversed(range(months))
    ]
    health = rng.normal(size=firms)
    rows = []
    for month in month_list:
        h = health + rng.normal(scale=0.3, size=firms)
        # Raw department values: many significant digits, so a test can spot a leak.
        frame = pl.DataFrame(
            {
                "firm_id": codes,
                "period_month": [month] * firms,
                "tax_sales_yoy": (h + rng.normal(size=firms)) * 0.1234567,
                "power_kwh_yoy": (h + rng.normal(size=firms)) * 0.0987654,
                "rd_intensity": np.abs(h + rng.normal(size=firms)) * 0.0345678,
                "debt_ratio": 0.55 - 0.1 * h + rng.normal(scale=0.1, size=firms),
                "roa": (h + rng.normal(size=firms)) * 0.0456789,
                "tax_arrears_cny": np.where(
                    rng.random(firms) < 0.1, rng.random(firms) * 123456.789, 0.0
                ),
                "is_dishonest_debtor": rng.random(firms) < 0.02,
                "bad": rng.random(firms) < 1 / (1 + np.exp(3.0 + 1.5 * h)),
            }
        )
        # Every 20th firm reports almost nothing: 数据不足.
        sparse = pl.Series(np.arange(firms) % 20 == 7)
        for spec in SPECS[1:]:
            frame = frame.with_columns(
                pl.when(sparse).then(None).otherwise(pl.col(spec.code)).alias(spec.code)
            )
        rows.append(frame)
    panel = pl.concat(rows)
    config = ScorecardConfig(
        min_peer_group=30, min_indicators=3, max_reasons=4, red_flags=RED_FLAGS
    )
    model = fit_scorecard(panel, SPECS, "bad", time_column="period_month", config=config)
    scores = model.score(panel)
    if model_version is not None:
        scores = scores.with_columns(model_version=pl.lit(model_version))
    dim_firm = pl.DataFrame(
        {
            "firm_id": codes,
            "firm_name": [f"温州样例制造有限公司{i:04d}" for i in range(firms)],
            "county_code": ["330302"] * firms,
            "registered_capital_cny": rng.random(firms) * 9876543.21,
        }
    )
    alerts = scores.filter(pl.col("grade_code") == "subhealthy").select("firm_id", "period_month")
    return {
        "marts.dim_firm": dim_firm,
        "marts.fct_firm_indicators": panel.drop("bad"),
        "scoring.firm_health_scores": scores,
        "delivery.rpt_monthly_alert_list": alerts,
    }


def write_warehouse(path: Path, frames: dict[str, pl.DataFrame]) -> None:
    """Write ``frames`` as tables of a DuckDB file (replacing them)."""
    with duckdb.connect(str(path)) as con:
        for name, frame in frames.items():
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.register("_frame", frame.to_arrow())
            con.execute(f"create or replace table {name} as select * from _frame")
            con.unregister("_frame")


def build_sample_snapshot(target: Path, **kwargs) -> dict[str, pl.DataFrame]:
    """Publish a sample warehouse at ``target`` (plus its manifest); return its tables."""
    frames = sample_frames(**kwargs)
    target.parent.mkdir(parents=True, exist_ok=True)
    live = target.with_name(f".{target.stem}.live.duckdb")
    live.unlink(missing_ok=True)
    write_warehouse(live, frames)
    publish_snapshot(live, target, TABLES)
    live.unlink(missing_ok=True)
    return frames
