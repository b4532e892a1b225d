"""Agencies return what they found; it is ingested like a department feed and summarised."""

import os
import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from tests.integration.conftest import run_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def answered(pipeline, tmp_path_factory):
    """The pipeline's warehouse and landing zone copied, agencies' feedback simulated on its
    extracts, and the feedback job run on the copy (the shared warehouse stays untouched)."""
    from simulator.feedback import simulate_feedback

    base = tmp_path_factory.mktemp("feedback")
    data_root, db_path = base / "sim", base / "warehouse.duckdb"
    shutil.copytree(pipeline.data_root, data_root)
    shutil.copy(pipeline.db_path, db_path)
    written = simulate_feedback(pipeline.output_dir / "extracts" / "agencies", data_root, seed=3)
    saved = {k: os.environ.get(k) for k in ("EH_DATA_ROOT", "EH_DUCKDB_PATH")}
    os.environ.update(EH_DATA_ROOT=str(data_root), EH_DUCKDB_PATH=str(db_path))
    try:
        selection = dg.AssetSelection.assets(
            ["raw", "agency_feedback_csv"],
            ["raw", "agency_feedback_xlsx"],
            ["staging", "stg_feedback__outcomes"],
            ["delivery", "rpt_alert_feedback_summary"],
        )
        result = run_pipeline(selection=selection)
        yield written, result, db_path, data_root
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_feedback_files_land_and_are_accounted_for(answered):
    written, result, db_path, data_root = answered
    assert result.success
    assert sum(written.values()) > 0 and "env" not in written  # one agency never answers
    files = sorted((data_root / "landing" / "feedback").rglob("feedback_*"))
    assert {f.suffix for f in files} == {".csv", ".xlsx"}
    with duckdb.connect(str(db_path), read_only=True) as con:
        logged = con.sql(
            "select file, status, received, accepted, quarantined from raw.ingest_files "
            "where feed_id like 'agency_feedback%'"
        ).pl()
        reasons = con.sql(
            "select reason_code, count(*) as n, min(line) as first_line from raw.quarantine "
            "where feed_id like 'agency_feedback%' group by 1"
        ).pl()
        staged = con.sql("select count(*) from staging.stg_feedback__outcomes").fetchall()[0][0]
    assert logged.height == len(files) and set(logged["status"]) == {"loaded"}
    assert (logged["received"] == logged["accepted"] + logged["quarantined"]).all()
    assert logged["received"].sum() == sum(written.values())
    # malformed rows (wrong check character, impossible date, outcome not on the list) are
    # quarantined with a located reason, the rest are accepted
    assert set(reasons["reason_code"]) <= {"bad_uscc", "bad_date", "not_allowed"}
    assert reasons["n"].sum() == logged["quarantined"].sum() > 0
    assert (reasons["first_line"] >= 2).all()
    assert staged == logged["accepted"].sum()


def test_feedback_summary_gives_precision_per_agency_and_rule(answered):
    _, _, db_path, _ = answered
    with duckdb.connect(str(db_path), read_only=True) as con:
        everything = con.sql("select * from delivery.rpt_alert_feedback_summary").pl()
    summary = everything.filter(pl.col("period_month").is_null())
    monthly = everything.filter(pl.col("period_month").is_not_null())
    # every month's rows add up to the all-months row
    for dimension in ("agency", "rule", "overall"):
        part = monthly.filter(pl.col("dimension") == dimension)
        whole = summary.filter(pl.col("dimension") == dimension)
        assert part["alerts_sent"].sum() == whole["alerts_sent"].sum() > 0
    agencies = summary.filter(pl.col("dimension") == "agency")
    assert agencies.height >= 5
    answered_rows = agencies.filter(pl.col("feedback_received") > 0)
    assert answered_rows["precision"].is_between(0, 1).all()
    overall = summary.filter(pl.col("dimension") == "overall").row(0, named=True)
    assert overall["alerts_sent"] == agencies["alerts_sent"].sum()
    assert 0 < overall["help_conversion"] < overall["precision"] <= 1
    assert summary.filter(pl.col("dimension") == "rule").height >= 5
    silent = agencies.filter(pl.col("dimension_code") == "env")
    assert silent.height == 0 or silent["feedback_received"][0] == 0
