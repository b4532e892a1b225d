"""多报合一 / 智联查 / compliance lists on a small simulated region, built with dbt alone.

The fixture simulates, ingests every feed and runs `dbt build` on the annual-report and
compliance marts and their parents (tests included), into a temporary DuckDB.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, Path]:
    from ingest.contracts import CONTRACTS
    from ingest.load import ingest_feed
    from simulator import simulate

    base = tmp_path_factory.mktemp("compliance")
    data_root, db_path = base / "sim", base / "warehouse.duckdb"
    simulate(
        data_root, firms=1500, months=36, end="2026-09", seed=11, fault_rate=0.01, progress=False
    )
    with duckdb.connect(str(db_path)) as con:
        for contract in CONTRACTS.values():
            ingest_feed(con, contract, data_root / "landing")
    env = {**os.environ, "EH_DUCKDB_PATH": str(db_path)}
    done = subprocess.run(
        [DBT, "build", "--profiles-dir", ".", "--target-path", str(base / "target"),
         "--select", "+models/marts/annual_report", "+models/marts/compliance", "seeds/config",
         "--indirect-selection", "cautious"],
        cwd=REPO / "dbt_project", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    return data_root, db_path


def frame(db_path: Path, query: str) -> pl.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(query).pl()


def test_every_filed_report_gets_one_outcome(warehouse):
    _, db = warehouse
    reports = frame(db, "select count(*) as n from staging.stg_amr__annual_reports").item()
    outcomes = frame(
        db, "select check_outcome, count(*) as n from marts.fct_crosscheck_firm_years group by 1"
    )
    assert outcomes["n"].sum() == reports
    assert set(outcomes["check_outcome"]) == {"exempt", "anomalous", "not_checkable"}


def test_registry_and_department_items_are_prefilled(warehouse):
    _, db = warehouse
    prefill = frame(db, "select * from marts.fct_annual_report_prefill")
    # seven registry items for every registered firm, more where departments hold the year
    assert prefill["items_prefilled"].min() >= 0
    assert prefill["items_prefilled"].mean() > 8
    assert (prefill["entries_saved"] >= prefill["duplicate_entries_removed"]).all()


def test_misreported_reports_are_flagged_and_honest_ones_mostly_exempt(warehouse):
    data_root, db = warehouse
    truth = pl.read_csv(
        data_root / "truth" / "report_mismatches.csv", schema_overrides={"uscc": pl.String}
    )
    bad = set(truth.select("uscc", "report_year").iter_rows())
    outcomes = frame(
        db,
        "select firm_id, report_year, check_outcome from marts.fct_crosscheck_firm_years "
        "where check_outcome <> 'not_checkable'",
    )
    is_bad = pl.Series([r in bad for r in outcomes.select("firm_id", "report_year").iter_rows()])
    flagged = outcomes["check_outcome"] == "anomalous"
    assert is_bad.sum() > 0
    assert (flagged & is_bad).sum() / is_bad.sum() > 0.8
    assert (flagged & ~is_bad).sum() / (~is_bad).sum() < 0.2


def test_revocation_candidates_filed_nothing_in_the_window(warehouse):
    _, db = warehouse
    listed = frame(db, "select * from marts.rpt_revocation_candidates")
    # the simulated region (seed 11, 1,500 firms, 36 months) holds dormant firms: an empty list
    # would be a broken rule, not a quiet region
    assert listed.height > 0
    as_of = listed["as_of_month"][0]
    with duckdb.connect(str(db), read_only=True) as con:
        filed = con.execute(
            """select count(*) from staging.stg_tax__declarations t
               join marts.rpt_revocation_candidates c using (firm_id)
               where t.period_month > c.as_of_month - interval 24 month
                 and t.period_month <= c.as_of_month"""
        ).fetchall()[0][0]
    assert filed == 0
    assert (listed["months_since_last_tax"].fill_null(999) >= 24).all()
    assert (listed["last_report_year"].fill_null(0) < listed["first_missed_year"]).all()
    assert as_of is not None
