"""Files for people and readers: the monthly alert list as a CSV that opens in Excel (UTF-8
with BOM), and the published read-only copy of the warehouse."""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.publish import publish_snapshot
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_POOL, output_dir, published_path

# Column -> Chinese header of the extract officials open.
ALERT_LIST_HEADERS = {
    "alert_id": "预警编号",
    "period_month": "所属月份",
    "firm_id": "统一社会信用代码",
    "firm_name": "企业名称",
    "city_name": "所在地市",
    "county_name": "所在区县",
    "industry_division_name": "所属行业",
    "grade": "健康等级",
    "overall_score": "综合得分",
    "score_operations": "经营得分",
    "score_innovation": "创新得分",
    "score_structure": "结构得分",
    "score_efficiency": "质效得分",
    "score_risk": "风险得分",
    "red_flags_zh": "红色警示",
    "reasons_zh": "主要问题",
    "action_departments_zh": "建议处置部门",
    "suggestions_zh": "诉求与帮扶建议",
}


def alert_list_frame(alerts: pl.DataFrame) -> pl.DataFrame:
    """Return the alert rows as the extract shows them: Chinese headers, scores to one decimal,
    unhealthy before sub-healthy, lowest score first."""
    score_cols = [c for c in alerts.columns if c.startswith("score_") or c == "overall_score"]
    return (
        alerts.with_columns(
            pl.col(score_cols).round(1),
            pl.col("period_month").dt.strftime("%Y-%m"),
        )
        .sort(
            ["grade", "overall_score", "firm_id"],
            descending=[False, False, False],
            nulls_last=False,
        )
        .select(list(ALERT_LIST_HEADERS))
        .rename(ALERT_LIST_HEADERS)
    )


def _markdown(frame: pl.DataFrame) -> str:
    rows = [frame.columns, *[[("" if v is None else str(v)) for v in r] for r in frame.iter_rows()]]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(frame.columns))
    return "\n".join(lines)


@dg.asset(
    key=["delivery", "alert_list_extract"],
    deps=[dg.AssetKey(["delivery", "rpt_monthly_alert_list"])],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    kinds={"csv"},
    description="企业风险诉求预警清单 for the latest month as a CSV "
    "(UTF-8 with BOM, Chinese headers).",
)
def alert_list_extract(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        alerts = con.sql(
            """select * from delivery.rpt_monthly_alert_list
               where period_month = (select max(period_month) from scoring.firm_health_scores)"""
        ).pl()
    month = alerts["period_month"].max()
    label = month.strftime("%Y%m") if month is not None else "none"
    target = output_dir() / "extracts" / f"alert_list_{label}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = alert_list_frame(alerts)
    frame.write_csv(target, include_bom=True)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "rows": frame.height,
            "month": label,
            "unhealthy": int((alerts["grade"] == "不健康").sum()),
            "subhealthy": int((alerts["grade"] == "亚健康").sum()),
            "preview": dg.MetadataValue.md(_markdown(frame.head(10))),
        }
    )


PUBLISHED_TABLES = [
    "marts.dim_firm",
    "marts.fct_firm_indicators",
    "scoring.firm_health_scores",
    "delivery.rpt_monthly_alert_list",
]


@dg.asset(
    key=["delivery", "published_warehouse"],
    deps=[
        dg.AssetKey(["delivery", "rpt_monthly_alert_list"]),
        dg.AssetKey(["delivery", "alert_list_extract"]),
        dg.AssetKey(["scoring", "firm_health_scores"]),
    ],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="The read-only copy of the warehouse that readers (bank API, analysts) open; "
    "replaced atomically, so readers never see a half-written snapshot.",
)
def published_warehouse(warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = published_path()
    manifest = publish_snapshot(Path(warehouse.path), target, PUBLISHED_TABLES)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "bytes": manifest["bytes"],
            **{f"rows {t}": n for t, n in manifest["row_counts"].items()},
        }
    )
