"""No look-ahead: an indicator row of month M is what the departments' data said at M's end.

A small simulated region is ingested once; the indicator table is built twice, from all raw
records and from the raw records as they stood at the end of a cut month M (records dated later
removed, later removals / closings / grants / lapses / revocations / rectifications undone). Every
row of months <= M must be the same in both builds.

"Dated" is each feed contract's point-in-time rule (``as_of`` in ingest/contracts.py): monthly
feeds by their period (month M's row reads the period-M figures, the warehouse's convention),
event feeds by their event dates, registry records by their record date, annual reports by their
filing date, tax credit grades by their publication date. A new feed is rewritten by its own rule
(tests/unit/test_feed_contracts_are_the_source.py refuses a contract without one).
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


def truncate_raw(con: duckdb.DuckDBPyConnection, cut_month: dt.date) -> None:
    """Rewrite the raw tables as they stood at the end of ``cut_month``, by each feed contract's
    point-in-time rule (``FeedContract.as_of``): rows of a later month (monthly feeds) or dated
    after the month end are removed, later changes (removals, closings, grants, lapses) are
    emptied, and the columns that depend on them get their value while pending."""
    month_end = dt.date(
        cut_month.year + cut_month.month // 12, cut_month.month % 12 + 1, 1
    ) - dt.timedelta(days=1)
    for table, contract in CONTRACTS.items():
        rule = contract.as_of
        if rule.monthly:
            con.execute(
                f"delete from raw.{table} where date_trunc('month', {rule.dated_by}) > ?",
                [cut_month],
            )
        else:
            con.execute(f"delete from raw.{table} where {rule.dated_by} > ?", [month_end])
        for column in rule.changes:
            con.execute(f"update raw.{table} set {column} = null where {column} > ?", [month_end])
        if rule.while_pending:
            # e.g. a case closed after the cut was still being handled then
            pending = " and ".join(f"{c} is null" for c in rule.changes)
            for column, value in rule.while_pending:
                con.execute(f"update raw.{table} set {column} = ? where {pending}", [value])


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
