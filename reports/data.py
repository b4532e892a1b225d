"""What a month's firm reports need, read once from the published snapshot for a list of firms.

Readers never open the live warehouse (DuckDB allows one writer): every query here runs on the
published copy (EH_PUBLISHED_PATH), opened read-only. One ``load_month`` call serves one report
or a thousand: the firm list is a registered table, and each query reads it once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import REPO_ROOT
from scoring.config import DIMENSIONS

CATALOG = REPO_ROOT / "dbt_project/seeds/catalog/indicator_catalog.csv"
RED_FLAGS = REPO_ROOT / "dbt_project/seeds/catalog/red_flag_catalog.csv"
TREND_MONTHS = 24

# The monthly series drawn as trends: (key, label, table, column, source). The point-in-time
# feature tables (one row per firm-month, materialized) rather than the staging views: a report
# reads a firm's 24 months in milliseconds.
SERIES: list[tuple[str, str, str, str, str]] = [
    ("tax_sales", "纳税申报销售额（元/月）", "intermediate.int_tax_monthly_features", "sales_cny",
     "税务"),
    ("power_kwh", "近12月用电量（千瓦时）", "intermediate.int_power_features", "kwh_12m", "电力"),
    ("insured", "养老保险参保人数", "intermediate.int_hrss_features", "hrss_pension_insured",
     "人社"),
]  # fmt: skip


def month_start(month: str | dt.date) -> dt.date:
    """Return the first day of a month given as 'YYYY-MM' (or a date).

    >>> month_start("2026-09")
    datetime.date(2026, 9, 1)
    """
    if isinstance(month, dt.date):
        return month.replace(day=1)
    return dt.datetime.strptime(month[:7], "%Y-%m").date()


def add_months(d: dt.date, n: int) -> dt.date:
    """Return the first day of the month ``n`` months after ``d``'s."""
    k = d.year * 12 + d.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


@dataclass
class Catalog:
    """Labels from the indicator and red-flag catalogs (the seeds: one source for labels)."""

    indicators: dict[str, dict]
    red_flags: dict[str, dict]
    departments: dict[str, str]  # department code -> Chinese name

    @classmethod
    def load(cls) -> Catalog:
        ind = pl.read_csv(CATALOG, infer_schema=False)
        flags = pl.read_csv(RED_FLAGS, infer_schema=False)
        return cls(
            indicators={r["indicator_code"]: r for r in ind.iter_rows(named=True)},
            red_flags={r["flag_code"]: r for r in flags.iter_rows(named=True)},
            departments=dict(ind.select("department", "department_zh").unique().iter_rows()),
        )


@dataclass
class MonthData:
    """Everything the reports of one month need, keyed by firm (see ``load_month``)."""

    month: dt.date
    firms: dict[str, dict]
    scores: dict[str, dict]
    history: dict[str, list[dict]]
    peers: dict[str, dict]
    contributions: dict[str, dict[str, dict]]
    alerts: dict[str, list[dict]]
    coverage: dict[str, dict[str, dt.date]]
    series: dict[str, dict[str, dict[dt.date, float]]]
    queries: dict[str, list[dict]] = field(default_factory=dict)
    snapshot: dict = field(default_factory=dict)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }


def latest_month(con: duckdb.DuckDBPyConnection) -> dt.date:
    """Return the latest scored month of the snapshot."""
    value = con.execute("select max(period_month) from scoring.firm_health_scores").fetchall()[0][0]
    if value is None:
        raise LookupError("the published snapshot holds no scores: run the pipeline first")
    return value


def load_month(con: duckdb.DuckDBPyConnection, month: dt.date, firm_ids: list[str]) -> MonthData:
    """Return the month's report data for ``firm_ids`` (unknown firms are simply absent)."""
    con.register("report_firms", pl.DataFrame({"firm_id": list(dict.fromkeys(firm_ids))}))
    tables = _tables(con)
    first = add_months(month, -(TREND_MONTHS - 1))
    end = month_end(month)
    sel = "firm_id in (select firm_id from report_firms)"

    firms = {r["firm_id"]: r for r in _rows(con, f"select * from marts.dim_firm where {sel}")}
    dims = ", ".join(f"score_{d}" for d in DIMENSIONS)
    hist_rows = _rows(
        con,
        f"""select firm_id, period_month, overall_score, grade, grade_code, pd, points, {dims}
            from scoring.firm_health_scores
            where {sel} and period_month between ? and ? order by firm_id, period_month""",
        [first, month],
    )
    history: dict[str, list[dict]] = defaultdict(list)
    for r in hist_rows:
        history[r["firm_id"]].append(r)
    scores = {
        r["firm_id"]: r
        for r in _rows(
            con,
            f"select * from scoring.firm_health_scores where {sel} and period_month = ?",
            [month],
        )
    }
    prev = {
        r["firm_id"]: r
        for r in _rows(
            con,
            f"""select firm_id, overall_score, grade from scoring.firm_health_scores
                where {sel} and period_month = ?""",
            [add_months(month, -1)],
        )
    }
    for fid, row in scores.items():
        row["previous"] = prev.get(fid)

    # Peer distribution of each dimension score: the firms of the same peer group this month.
    quantiles = ", ".join(
        f"quantile_cont(score_{d}, [0.25, 0.5, 0.75]) as q_{d}" for d in DIMENSIONS
    )
    peers = {
        r["peer_group"]: r
        for r in _rows(
            con,
            f"""select peer_group, count(*) as n, {quantiles} from scoring.firm_health_scores
                where period_month = ? and peer_group in (
                    select distinct peer_group from scoring.firm_health_scores
                    where {sel} and period_month = ?)
                group by peer_group""",
            [month, month],
        )
    }

    contributions: dict[str, dict[str, dict]] = defaultdict(dict)
    if "scoring.firm_score_contributions" in tables:
        for r in _rows(
            con,
            f"""select firm_id, indicator_code, dimension, value, peer_share, points,
                       neutral_points, max_points, bank_points
                from scoring.firm_score_contributions where {sel} and period_month = ?""",
            [month],
        ):
            contributions[r["firm_id"]][r["indicator_code"]] = r

    alerts: dict[str, list[dict]] = defaultdict(list)
    if "delivery.alert_lifecycle" in tables:
        for r in _rows(
            con,
            f"""select l.firm_id, l.rule_code, r.rule_name_zh, l.severity, l.state, l.is_sent,
                       l.first_sent_month, l.evidence_zh, l.note_zh, a.agency_name_zh
                from delivery.alert_lifecycle l
                left join delivery.alert_rules r using (rule_code)
                left join delivery.alert_agencies a using (agency_code)
                where l.{sel} and l.period_month = ? and (l.is_open or l.state = 'resolved')
                order by l.firm_id, l.rule_code, a.agency_name_zh""",
            [month],
        ):
            alerts[r["firm_id"]].append(r)

    # A department "reported" the firm when it holds at least one record dated by the month's
    # end; the latest such date is the as-of date printed beside the department.
    coverage: dict[str, dict[str, dt.date]] = defaultdict(dict)
    if "marts.fct_firm_department_records" in tables:
        for fid, dept, as_of in con.execute(
            f"""select firm_id, department, max(last_record_date)
                from marts.fct_firm_department_records
                where {sel} and record_month <= ? and last_record_date <= ?
                group by 1, 2""",
            [month, end],
        ).fetchall():
            coverage[fid][dept] = as_of

    series: dict[str, dict[str, dict[dt.date, float]]] = defaultdict(lambda: defaultdict(dict))
    for key, _label, table, column, _src in SERIES:
        if table not in tables:
            continue
        for fid, m, v in con.execute(
            f"""select firm_id, period_month, {column} from {table}
                where {sel} and period_month between ? and ?""",
            [first, month],
        ).fetchall():
            series[fid][key][m] = None if v is None else float(v)

    con.unregister("report_firms")
    return MonthData(
        month=month,
        firms=firms,
        scores=scores,
        history=dict(history),
        peers=peers,
        contributions=dict(contributions),
        alerts=dict(alerts),
        coverage=dict(coverage),
        series={k: dict(v) for k, v in series.items()},
    )


def snapshot_info(published: Path) -> dict:
    """Return the published snapshot's manifest (when it was published), or {}."""
    import json

    manifest = published.with_suffix(".manifest.json")
    if manifest.exists():
        return json.loads(manifest.read_text(encoding="utf-8"))
    return {}
