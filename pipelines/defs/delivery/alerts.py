"""The monthly risk-and-needs alert list (企业风险诉求预警清单): rules, ranking with a budget,
routing and lifecycle for every month of the run (alerts/ package), into the delivery schema:

- ``delivery.alert_candidates``: every firing rule per live firm and month, with evidence and
  whether it was inhibited or silenced;
- ``delivery.alert_ranking``: every live firm per month with its risk, rank, county quota and
  whether it is on the list;
- ``delivery.alert_lifecycle``: per agency, firm and rule group, the alert's state of the month
  (new / escalated / ongoing / resolved / pending / inhibited / silenced) and whether it is sent;
- ``delivery.alert_rules`` and ``delivery.alert_agencies``: the configuration in force.

Months are processed in order; month M reads the lifecycle of M-1 and trains its ranking on
months whose 12-month outcome had closed by M, so a month's rows do not depend on the range it
was run in.
"""

import datetime as dt
import json
import time

import dagster as dg
import polars as pl

from alerts.config import HISTORY_MONTHS, load_config
from alerts.lifecycle import LIFECYCLE_SCHEMA
from alerts.monthly import history_window, outcome_labels, run_month
from alerts.ranking import fit_ranker
from alerts.rules import MonthInputs, add_months
from pipelines.partitions import monthly_partitions, window_months
from pipelines.resources import WarehouseResource
from pipelines.settings import (
    WAREHOUSE_POOL,
    WAREHOUSE_TAGS,
    alert_silences_path,
    alerting_config_dir,
)
from pipelines.warehouse_io import SideTables

CANDIDATES = "delivery.alert_candidates"
RANKING = "delivery.alert_ranking"
LIFECYCLE = "delivery.alert_lifecycle"
RULES_TABLE = "delivery.alert_rules"
AGENCIES_TABLE = "delivery.alert_agencies"
# months are written to the warehouse in parts of about this many rows (pipelines/warehouse_io.py)
WRITE_ROWS = 500_000

SERIES_SQL = """
select firm_id, period_month, 'tax_sales' as series, cast(sales_cny as double) as value
from staging.stg_tax__declarations where period_month between $1 and $2
union all
select firm_id, period_month, 'power_kwh', cast(kwh as double)
from staging.stg_power__usage_monthly where period_month between $1 and $2
union all
select firm_id, period_month, 'insured', cast(pension_insured as double)
from staging.stg_hrss__insured_monthly where period_month between $1 and $2
"""


def due_report_year(month: dt.date) -> int:
    """Return the annual report year last due at ``month``'s end (due by 30 June, so from the
    June month end on the previous year is due): the rule of dbt's ``due_report_year`` macro,
    which dates ``missing_annual_report`` and the revocation candidates.

    >>> [due_report_year(dt.date(2026, m, 1)) for m in (5, 6, 7)]
    [2024, 2025, 2025]
    """
    return month.year - 1 if month.month >= 6 else month.year - 2


def _config_tables(config) -> tuple[pl.DataFrame, pl.DataFrame]:
    rules = pl.DataFrame(
        [
            {
                "rule_code": r.code,
                "rule_name_zh": r.name_zh,
                "rule_group": r.fingerprint_group,
                "kind": r.kind,
                "severity": r.severity,
                "needs_zh": "、".join(r.needs),
                "agencies": ",".join(r.agencies),
                "params": json.dumps(r.params, ensure_ascii=False, sort_keys=True),
            }
            for r in config.rules
        ]
    )
    agencies = pl.DataFrame(
        [
            {
                "agency_code": a.code,
                "agency_name_zh": a.name_zh,
                "rules": ",".join(a.rules),
                "regions": ",".join(a.regions),
                "fields": ",".join(a.fields),
                "max_rows": a.max_rows,
            }
            for a in config.agencies
        ],
        schema_overrides={"max_rows": pl.Int64},
    )
    return rules, agencies


ALERT_TABLES = {
    CANDIDATES: "every firing rule per live firm and month, with evidence and suppression",
    RANKING: "every live firm per month: risk, rank, county quota, is_listed",
    LIFECYCLE: "per agency, firm and rule group: the month's state and whether it is sent",
    RULES_TABLE: "the alert rules in force (alerts/config/rules.yaml)",
    AGENCIES_TABLE: "the receiving agencies, rules, regions, fields (alerts/config/agencies.yaml)",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=table.split("."),
            description=text,
            group_name="delivery",
            kinds={"duckdb", "scipy"},
            deps=[
                dg.AssetKey(["scoring", "firm_health_scores"]),
                dg.AssetKey(["marts", "fct_firm_indicators"]),
                dg.AssetKey(["marts", "fct_firm_status"]),
                dg.AssetKey(["marts", "fct_distress_events"]),
                dg.AssetKey(["marts", "dim_firm"]),
                dg.AssetKey(["marts", "rpt_crosscheck_anomaly_list"]),
            ],
        )
        for table, text in ALERT_TABLES.items()
    ],
    name="monthly_alerts",
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="企业风险诉求预警: the alert rules of alerts/config/rules.yaml evaluated for every "
    "live firm and month, ranked by a risk fitted on past months and cut at the budget per "
    "county, routed to the agencies of alerts/config/agencies.yaml, with a lifecycle per "
    "agency.",
)
def monthly_alerts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    started = time.perf_counter()
    config = load_config(alerting_config_dir(), alert_silences_path())
    first, last = window_months(context)
    rule_codes = [r.code for r in config.rules]
    flag_columns = sorted({r.params["indicator"] for r in config.rules if r.kind == "new_flag"})
    with warehouse.connect(read_only=True) as con:
        months = [
            m
            for (m,) in con.execute(
                "select distinct period_month from scoring.firm_health_scores "
                "where period_month between $1 and $2 order by 1",
                [first, last],
            ).fetchall()
        ]
        if not months:
            context.log.info(f"no scored month in {first:%Y-%m}..{last:%Y-%m}: no alerts")
            for table in ALERT_TABLES:
                yield dg.MaterializeResult(asset_key=table.split("."), metadata={"months": 0})
            return
        lo = add_months(months[0], -(HISTORY_MONTHS - 1))
        scores = con.sql(
            "select s.firm_id, s.period_month, s.overall_score, s.pd, s.grade_code, "
            "s.peer_group, f.county_code from scoring.firm_health_scores s "
            "left join marts.dim_firm f using (firm_id) where s.period_month between $1 and $2",
            params=[lo, months[-1]],
        ).pl()
        indicators = con.sql(
            f"select firm_id, period_month, {', '.join(flag_columns)} "
            "from marts.fct_firm_indicators where period_month between $1 and $2",
            params=[add_months(months[0], -1), months[-1]],
        ).pl()
        series = con.sql(SERIES_SQL, params=[lo, months[-1]]).pl()
        anomalies = con.sql(
            "select firm_id, report_year, severity, item_name_zh, department_zh, "
            "declared_value, department_value, gap_ratio from marts.rpt_crosscheck_anomaly_list"
        ).pl()
        events = con.sql("select firm_id, event_date from marts.fct_distress_events").pl()

    in_range = f"period_month between date '{months[0]}' and date '{months[-1]}'"
    keep = {t: f"not ({in_range})" for t in (CANDIDATES, RANKING, LIFECYCLE)}
    rules_frame, agencies_frame = _config_tables(config)
    totals = {"candidates": 0, "listed": 0, "sent": 0, "resolved": 0}
    latest: dict = {}
    with (
        warehouse.connect() as con,
        SideTables(
            con,
            [CANDIDATES, RANKING, LIFECYCLE, RULES_TABLE, AGENCIES_TABLE],
            keep=keep,
            buffer_rows=WRITE_ROWS,
        ) as out,
    ):
        out.append(RULES_TABLE, rules_frame)
        out.append(AGENCIES_TABLE, agencies_frame)
        for i, month in enumerate(months):
            month_scores = scores.filter(pl.col("period_month") == month)
            firms = month_scores.filter(pl.col("grade_code") != "exited").select(
                "firm_id", "peer_group", "county_code", "pd", "overall_score", "grade_code"
            )
            exited = month_scores.filter(pl.col("grade_code") == "exited")["firm_id"]
            inputs = MonthInputs(
                month=month,
                firms=firms,
                scores=scores.filter(
                    pl.col("period_month").is_between(
                        add_months(month, -(HISTORY_MONTHS - 1)), month
                    )
                ),
                indicators=indicators.filter(
                    pl.col("period_month").is_between(add_months(month, -1), month)
                ),
                series=series.filter(
                    pl.col("period_month").is_between(
                        add_months(month, -(HISTORY_MONTHS - 1)), month
                    )
                ),
                anomalies=anomalies.filter(pl.col("report_year") == due_report_year(month)),
            )
            ranker = None
            horizon = config.budget.fit_horizon_months
            h_first, h_last = history_window(month, config.budget.fit_months, horizon)
            history = out.read_months(RANKING, h_first, h_last)
            if (
                history is not None
                and history.height
                and all(f"r_{c}" in history.columns for c in rule_codes)
            ):
                ranker = fit_ranker(
                    outcome_labels(history, events, horizon), rule_codes, config.budget.min_events
                )
            before = add_months(month, -1)
            previous = out.read_months(LIFECYCLE, before, before)
            previous_open = (
                previous.filter(pl.col("is_open"))
                if previous is not None
                else pl.DataFrame(schema=LIFECYCLE_SCHEMA)
            )
            result = run_month(inputs, config, ranker, previous_open.cast(LIFECYCLE_SCHEMA), exited)
            ranking = result.ranking.with_columns(
                ranker=pl.lit(json.dumps(ranker.describe() if ranker else {"kind": "pd_or_score"}))
            )
            out.append(CANDIDATES, result.candidates)
            out.append(RANKING, ranking)
            out.append(LIFECYCLE, result.lifecycle)
            listed = int(ranking["is_listed"].sum())
            sent = result.lifecycle.filter(pl.col("is_sent"))
            totals["candidates"] += result.candidates.height
            totals["listed"] += listed
            totals["sent"] += sent.height
            totals["resolved"] += int((sent["state"] == "resolved").sum())
            latest = {
                "month": f"{month:%Y-%m}",
                "live_firms": firms.height,
                "exited_firms": exited.len(),
                "listed_firms": listed,
                "ranking": ranking["risk_basis"][0] if ranking.height else "none",
                "states": dict(result.lifecycle["state"].value_counts().iter_rows()),
            }
            context.log.info(
                f"alerts {i + 1}/{len(months)} {month:%Y-%m}: {firms.height:,} live firms, "
                f"{result.candidates.height:,} firing rules, {listed:,} listed "
                f"(ranked by {latest['ranking']}), {sent.height:,} alerts sent to agencies"
            )
    summary = {
        "months": len(months),
        **totals,
        "latest_month": latest.get("month"),
        "latest_live_firms": latest.get("live_firms"),
        "latest_exited_firms": latest.get("exited_firms"),
        "latest_listed_firms": latest.get("listed_firms"),
        "latest_ranking_basis": latest.get("ranking"),
        "latest_states": dg.MetadataValue.json(latest.get("states", {})),
        "seconds": round(time.perf_counter() - started, 1),
    }
    for table in ALERT_TABLES:
        yield dg.MaterializeResult(
            asset_key=table.split("."),
            metadata={"rows_written": out.rows[table], **(summary if table == RANKING else {})},
        )
