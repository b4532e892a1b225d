"""No look-ahead: an indicator row of month M is what the departments' data said at M's end.

A small simulated region is ingested once; the indicator table is built twice, from all raw
records and from the raw records as they stood at the end of a cut month M (records dated later
removed, later removals / closings / grants / lapses / revocations / rectifications undone). Every
row of months <= M must be the same in both builds.

"Dated" means: monthly feeds by their period (month M's row reads the period-M figures, the
warehouse's convention), event feeds by their event dates, registry records by their record date,
annual reports by their filing date, tax credit grades by their publication date.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.contracts import CONTRACTS
from ingest.load import FeedError, ingest_feed

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
CUT_MONTH = dt.date(2025, 12, 1)  # the simulated months are 2024-10 .. 2026-09

# (table, column, kind): "period" rows of a later month are removed, "event" rows dated after the
# cut are removed, "update" dates after the cut are set to null (the record as it was then).
TRUNCATION = [
    ("amr_registry", "record_date", "event"),
    ("amr_annual_report", "filed_date", "event"),
    ("amr_penalty", "decision_date", "event"),
    ("amr_penalty", "publicity_end_date", "update"),
    ("amr_abnormal", "listed_date", "event"),
    ("amr_abnormal", "removed_date", "update"),
    ("tax_declaration", "period_start_date", "period"),
    ("tax_credit_grade", "published_date", "event"),
    ("stats_industry_monthly", "report_month", "period"),
    ("court_enforcement", "filed_date", "event"),
    ("court_enforcement", "closed_date", "update"),
    ("credit_dishonest", "listed_date", "event"),
    ("credit_dishonest", "removed_date", "update"),
    ("hrss_insured", "period_month", "period"),
    ("hrss_wage_dispute", "filed_date", "event"),
    ("hrss_wage_dispute", "closed_date", "update"),
    ("power_usage", "bill_month", "period"),
    ("customs_trade", "trade_month", "period"),
    ("credit_loans", "stat_date", "period"),
    ("ip_rights", "application_date", "event"),
    ("ip_rights", "granted_date", "update"),
    ("ip_rights", "lapsed_date", "update"),
    ("sci_certification", "issued_date", "event"),
    ("sci_certification", "revoked_date", "update"),
    ("subsidy_payment", "paid_date", "event"),
    ("env_penalty", "decision_date", "event"),
    ("env_penalty", "rectified_date", "update"),
]


def truncate_raw(con: duckdb.DuckDBPyConnection, cut_month: dt.date) -> None:
    """Rewrite the raw tables as they stood at the end of ``cut_month``."""
    month_end = dt.date(
        cut_month.year + cut_month.month // 12, cut_month.month % 12 + 1, 1
    ) - dt.timedelta(days=1)
    for table, column, kind in TRUNCATION:
        if kind == "period":
            con.execute(
                f"delete from raw.{table} where date_trunc('month', {column}) > ?", [cut_month]
            )
        elif kind == "event":
            con.execute(f"delete from raw.{table} where {column} > ?", [month_end])
        else:
            con.execute(f"update raw.{table} set {column} = null where {column} > ?", [month_end])
    # a case closed after the cut was still being enforced then
    con.execute("update raw.court_enforcement set case_status = '执行中' where closed_date is null")


def dbt_build(db_path: Path, work: Path) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "EH_DUCKDB_PATH": str(db_path)}
    result = subprocess.run(
        [
            str(dbt), "build", "--select", "+fct_firm_indicators",
            "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
            "--profiles-dir", str(DBT_PROJECT), "--project-dir", str(DBT_PROJECT),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        ],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    from simulator import simulate

    base = tmp_path_factory.mktemp("look_ahead")
    data_root = base / "sim"
    simulate(
        data_root, firms=300, months=24, end="2026-09", seed=11, fault_rate=0.01, progress=False
    )
    raw = base / "ingested.duckdb"
    with duckdb.connect(str(raw)) as con:
        for contract in CONTRACTS.values():
            try:
                ingest_feed(con, contract, data_root / "landing")
            except FeedError:
                pass  # a broken file fails its own feed; the rest is what we compare
    full, cut = base / "full.duckdb", base / "cut.duckdb"
    shutil.copy(raw, full)
    shutil.copy(raw, cut)
    with duckdb.connect(str(cut)) as con:
        truncate_raw(con, CUT_MONTH)
    dbt_build(full, base / "full")
    dbt_build(cut, base / "cut")
    return full, cut


def indicator_rows(db_path: Path) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'fct_firm_indicators' "
                "order by ordinal_position"
            ).fetchall()
        ]
        rows = con.execute(
            "select * from marts.fct_firm_indicators where period_month <= ? "
            "order by firm_id, period_month",
            [CUT_MONTH],
        ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_removing_later_records_leaves_earlier_indicator_rows_unchanged(builds):
    full, cut = (indicator_rows(p) for p in builds)
    assert len(full) > 3000 and len(full) == len(cut)
    differences = [
        (a["firm_id"], a["period_month"], column, a[column], b[column])
        for a, b in zip(full, cut, strict=True)
        for column in a
        if a[column] != b[column]
        and not (isinstance(a[column], float) and abs(a[column] - b[column]) < 1e-9)
    ]
    assert not differences, f"{len(differences)} values differ, e.g. {differences[:10]}"
