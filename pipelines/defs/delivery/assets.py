"""Files for people and readers: the monthly alert list as a CSV that opens in Excel (UTF-8
with BOM), one file per month (partitioned like the scores), and the published read-only copy of
the warehouse (not partitioned: readers get the whole warehouse at the end of every run)."""

import json
from pathlib import Path

import dagster as dg
import polars as pl

from alerts.config import SEVERITY_ZH, load_config
from alerts.extracts import write_agency_month
from pipelines.partitions import monthly_partitions, window_months
from pipelines.publish import publish_snapshot
from pipelines.resources import WarehouseResource
from pipelines.settings import (
    WAREHOUSE_POOL,
    WAREHOUSE_TAGS,
    alert_silences_path,
    alerting_config_dir,
    output_dir,
    published_path,
)

# Column -> Chinese header of the province-wide list the data team and the bureau read (every
# listed firm with every field); agencies get their own entitled extracts (agency_extracts).
ALERT_LIST_HEADERS = {
    "alert_id": "预警编号",
    "period_month": "所属月份",
    "rank": "风险排名",
    "firm_id": "统一社会信用代码",
    "firm_name": "企业名称",
    "city_name": "所在地市",
    "county_name": "所在区县",
    "industry_division_name": "所属行业",
    "grade": "健康等级",
    "pd": "12个月违约概率",
    "overall_score": "综合得分",
    "score_operations": "经营得分",
    "score_innovation": "创新得分",
    "score_structure": "结构得分",
    "score_efficiency": "质效得分",
    "score_risk": "风险得分",
    "severity": "严重程度",
    "rules_zh": "预警规则",
    "evidence_zh": "预警依据",
    "needs_zh": "企业诉求",
    "agencies_zh": "推送部门",
    "red_flags_zh": "红色警示",
    "reasons_zh": "主要问题",
    "suggestions_zh": "帮扶建议",
}


def alert_list_frame(alerts: pl.DataFrame, agency_names: dict[str, str]) -> pl.DataFrame:
    """Return the listed firms as the province-wide extract shows them: Chinese headers,
    scores to one decimal, PD to four, riskiest first."""
    score_cols = [c for c in alerts.columns if c.startswith("score_") or c == "overall_score"]
    return (
        alerts.with_columns(
            pl.col(score_cols).round(1),
            pl.col("pd").round(4),
            pl.col("period_month").dt.strftime("%Y-%m"),
            pl.col("severity").replace(SEVERITY_ZH),
            agencies_zh=pl.col("agency_codes")
            .str.split(",")
            .list.eval(pl.element().replace(agency_names))
            .list.join("、"),
        )
        .sort("rank")
        .select(list(ALERT_LIST_HEADERS))
        .rename(ALERT_LIST_HEADERS)
    )


def _markdown(frame: pl.DataFrame) -> str:
    rows = [frame.columns, *[[("" if v is None else str(v)) for v in r] for r in frame.iter_rows()]]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(frame.columns))
    return "\n".join(lines)


def write_alert_list(
    alerts: pl.DataFrame, target: Path, agency_names: dict[str, str]
) -> pl.DataFrame:
    """Write one month's listed firms to ``target`` as the extract; return the frame written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = alert_list_frame(alerts, agency_names)
    frame.write_csv(target, include_bom=True)
    return frame


def _scored_months(con, first, last) -> list:
    return [
        m
        for (m,) in con.execute(
            "select distinct period_month from scoring.firm_health_scores "
            "where period_month between $1 and $2 order by 1",
            [first, last],
        ).fetchall()
    ]


@dg.asset(
    key=["delivery", "alert_list_extract"],
    deps=[dg.AssetKey(["delivery", "rpt_monthly_alert_list"])],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    kinds={"csv"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="企业风险诉求预警清单 (province-wide, every field) per month as a CSV, "
    "extracts/alert_list_YYYYMM.csv (UTF-8 with BOM, Chinese headers), riskiest first.",
)
def alert_list_extract(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    first, last = window_months(context)
    with warehouse.connect(read_only=True) as con:
        scored = _scored_months(con, first, last)
        alerts = con.sql(
            "select * from delivery.rpt_monthly_alert_list where period_month between $1 and $2",
            params=[first, last],
        ).pl()
        names = dict(
            con.execute(
                "select agency_code, agency_name_zh from delivery.alert_agencies"
            ).fetchall()
        )
    written = {}
    frame = None
    for month in scored:  # a scored month with no alert still gets its (empty) file
        month_alerts = alerts.filter(pl.col("period_month") == month)
        target = output_dir() / "extracts" / f"alert_list_{month:%Y%m}.csv"
        frame = write_alert_list(month_alerts, target, names)
        written[f"{month:%Y%m}"] = (target, month_alerts)
    if not written:
        context.log.info(f"no scored month in {first:%Y-%m}..{last:%Y-%m}: no extract written")
        return dg.MaterializeResult(metadata={"files": 0, "rows": 0})
    label, (target, latest) = max(written.items())
    return dg.MaterializeResult(
        metadata={
            "files": len(written),
            "path": dg.MetadataValue.path(str(target)),
            "rows": frame.height,
            "rows_all_months": alerts.height,
            "month": label,
            "unhealthy": int((latest["grade_code"] == "unhealthy").sum()),
            "subhealthy": int((latest["grade_code"] == "subhealthy").sum()),
            "preview": dg.MetadataValue.md(_markdown(frame.head(10))),
        }
    )


@dg.asset(
    key=["delivery", "agency_extracts"],
    deps=[dg.AssetKey(["delivery", "rpt_agency_alert_rows"])],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    kinds={"csv", "xlsx", "parquet"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Per agency and month, extracts/agencies/<agency>/<YYYYMM>/: the alerts sent "
    "(new, escalated, resolved) with only the fields the agency is entitled to, as CSV (UTF-8 "
    "with BOM), formatted XLSX and Parquet, and manifest.json (row counts, sha256, rules, model "
    "version). Re-running a month rewrites the same bytes.",
)
def agency_extracts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    config = load_config(alerting_config_dir(), alert_silences_path())
    first, last = window_months(context)
    with warehouse.connect(read_only=True) as con:
        scored = _scored_months(con, first, last)
        rows = con.sql(
            "select * from delivery.rpt_agency_alert_rows where period_month between $1 and $2",
            params=[first, last],
        ).pl()
        versions = con.sql(
            "select period_month, list(distinct model_version order by model_version) as v "
            "from scoring.firm_health_scores where period_month between $1 and $2 group by 1",
            params=[first, last],
        ).pl()
        basis = con.sql(
            "select period_month, any_value(ranker) as ranker from delivery.alert_ranking "
            "where period_month between $1 and $2 group by 1",
            params=[first, last],
        ).pl()
    target = output_dir() / "extracts" / "agencies"
    rules = config.summary()
    counts: dict[str, int] = {}
    manifests = 0
    for month in scored:
        month_rows = rows.filter(pl.col("period_month") == month)
        v = versions.filter(pl.col("period_month") == month)["v"]
        b = basis.filter(pl.col("period_month") == month)["ranker"]
        for agency in config.agencies:
            manifest = write_agency_month(
                month_rows.filter(pl.col("agency_code") == agency.code),
                agency_code=agency.code,
                agency_name_zh=agency.name_zh,
                fields=agency.fields,
                month=month,
                target_dir=target,
                rules=[r for r in rules if r["code"] in agency.rules],
                model_versions=list(v[0]) if v.len() else [],
                extra={
                    "regions": list(agency.regions),
                    "entitled_fields": list(agency.fields),
                    "ranking": json.loads(b[0]) if b.len() and b[0] else None,
                },
            )
            counts[agency.code] = manifest["rows"]
            manifests += 1
    context.log.info(f"wrote {manifests} agency-month extract(s) under {target}")
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(target)),
            "agency_months": manifests,
            **{f"latest rows {code}": n for code, n in sorted(counts.items())},
        }
    )


# Lists for market supervision (市场监管): table -> (file stem, the column that names the file,
# column -> Chinese header). One CSV per report year or as-of month, UTF-8 with BOM.
COMPLIANCE_EXTRACTS = {
    "marts.rpt_crosscheck_anomaly_list": (
        "crosscheck_anomalies",
        "report_year",
        {
            "firm_id": "统一社会信用代码",
            "firm_name": "企业名称",
            "city_name": "所在地市",
            "county_name": "所在区县",
            "report_year": "年报年度",
            "item_name_zh": "年报项目",
            "department_zh": "比对部门",
            "declared_value": "年报填报值",
            "department_value": "部门数据值",
            "gap": "差额",
            "gap_ratio": "差异率",
            "severity": "严重程度",
            "label_zh": "异常说明",
        },
    ),
    "marts.rpt_crosscheck_exempt_list": (
        "crosscheck_exempt",
        "report_year",
        {
            "firm_id": "统一社会信用代码",
            "firm_name": "企业名称",
            "city_name": "所在地市",
            "county_name": "所在区县",
            "report_year": "年报年度",
            "checks_compared": "比对项数",
            "departments_compared_zh": "比对部门",
        },
    ),
    "marts.rpt_revocation_candidates": (
        "revocation_candidates",
        "as_of_month",
        {
            "firm_id": "统一社会信用代码",
            "firm_name": "企业名称",
            "city_name": "所在地市",
            "county_name": "所在区县",
            "as_of_month": "截至月份",
            "founded_date": "成立日期",
            "last_report_year": "最近报送年报年度",
            "last_tax_month": "最近纳税申报所属期",
            "months_since_last_tax": "距今月数",
            "evidence_zh": "依据",
        },
    ),
    "marts.rpt_shell_firm_suspects": (
        "shell_suspects",
        "as_of_month",
        {
            "firm_id": "统一社会信用代码",
            "firm_name": "企业名称",
            "city_name": "所在地市",
            "county_name": "所在区县",
            "as_of_month": "截至月份",
            "last_active_month": "最近经营月份",
            "is_never_active": "从未经营",
            "departments_without_data_zh": "无记录部门",
            "evidence_zh": "依据",
        },
    ),
}


def write_compliance_extracts(lists: dict[str, pl.DataFrame], target_dir: Path) -> dict[str, int]:
    """Write each list as one CSV per report year / as-of month; return rows per file name."""
    target_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for table, frame in lists.items():
        stem, by, headers = COMPLIANCE_EXTRACTS[table]
        for (key,), part in frame.partition_by(by, as_dict=True, maintain_order=True).items():
            label = f"{key:%Y%m}" if hasattr(key, "strftime") else str(key)
            name = f"{stem}_{label}.csv"
            out = part.with_columns(
                pl.col(pl.Date).dt.strftime("%Y-%m-%d"), pl.col(pl.Float64).round(4)
            )
            if "severity" in out.columns:
                out = out.with_columns(pl.col("severity").replace(SEVERITY_ZH))
            out.select(list(headers)).rename(headers).write_csv(target_dir / name, include_bom=True)
            written[name] = part.height
    return written


@dg.asset(
    key=["delivery", "compliance_extracts"],
    deps=[dg.AssetKey(table.split(".")) for table in COMPLIANCE_EXTRACTS],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    kinds={"csv"},
    description="市场监管 lists as CSV (UTF-8 with BOM, Chinese headers): 智联查 anomalies and "
    "exempt firms per report year, 吊销候选 and 空壳企业嫌疑 as of the latest month.",
)
def compliance_extracts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        lists = {table: con.sql(f"select * from {table}").pl() for table in COMPLIANCE_EXTRACTS}
    written = write_compliance_extracts(lists, output_dir() / "extracts")
    context.log.info(
        f"wrote {len(written)} compliance extract(s) under {output_dir() / 'extracts'}"
    )
    return dg.MaterializeResult(
        metadata={
            "files": len(written),
            **{name: rows for name, rows in sorted(written.items())},
        }
    )


PUBLISHED_TABLES = [
    "marts.dim_firm",
    "marts.fct_firm_indicators",
    "scoring.firm_health_scores",
    "delivery.rpt_monthly_alert_list",
    "delivery.rpt_agency_alert_rows",
    "marts.fct_firm_department_records",
]


@dg.asset(
    key=["delivery", "published_warehouse"],
    deps=[
        dg.AssetKey(["delivery", "rpt_monthly_alert_list"]),
        dg.AssetKey(["delivery", "alert_list_extract"]),
        dg.AssetKey(["delivery", "agency_extracts"]),
        dg.AssetKey(["delivery", "compliance_extracts"]),
        dg.AssetKey(["scoring", "firm_health_scores"]),
    ],
    group_name="delivery",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
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
