"""Monthly partitions: the dbt command of a month range, which months a run covers, and which
dbt models are partitioned."""

import datetime as dt
import json

from pipelines.defs.automation.definitions import months_touched
from pipelines.defs.dbt.assets import dbt_build_args, dbt_project
from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG, latest_months, month_vars
from scoring.monthly import refit_month, training_shares


def test_a_month_range_becomes_dbt_vars():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args("2025-01-01", "2025-06-01") == [
        "build",
        "--vars",
        '{"min_month": "2025-01-01", "max_month": "2025-06-01"}',
    ]
    assert month_vars("2025-03-01", "2025-03-01") == {
        "min_month": "2025-03-01",
        "max_month": "2025-03-01",
    }


def test_the_last_partition_is_the_last_complete_month():
    now = dt.datetime(2026, 11, 21, 18, 0, tzinfo=dt.UTC)
    assert latest_months(3, now) == ["2026-08-01", "2026-09-01", "2026-10-01"]


def test_a_late_file_rebuilds_its_month_and_every_later_one():
    keys = ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert months_touched(["tax/202502/declaration_202502.csv"], keys) == keys[1:]
    assert months_touched(["amr/2025/annual_report_2024.xlsx"], keys) == keys
    assert months_touched(["tax/202412/declaration_202412.csv"], keys) == keys
    assert months_touched(["readme.txt"], keys) == keys


def test_every_incremental_model_is_a_monthly_partition():
    manifest = json.loads(dbt_project.manifest_path.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    incremental = {n["name"] for n in models if n["config"]["materialized"] == "incremental"}
    monthly = {n["name"] for n in models if "monthly" in n["tags"]}
    assert {"int_firm_months", "int_tax_monthly_features", "rpt_monthly_alert_list"} <= incremental
    # an incremental model outside the partitioned step would never get the month vars
    assert incremental <= monthly
    for n in models:
        if n["name"] in incremental:
            assert n["config"]["incremental_strategy"] == "delete+insert", n["name"]
            assert n["config"]["unique_key"] == "period_month", n["name"]


def test_training_sample_shares_only_count_firms_known_by_the_month():
    jan, feb = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    assert training_shares({jan: 100, feb: 300}, [jan, feb], 200) == {jan: 1.0, feb: 0.5}


def test_the_nightly_run_covers_the_latest_months(monkeypatch):
    import dagster as dg

    from pipelines.definitions import defs

    monkeypatch.setenv("EH_NIGHTLY_MONTHS", "2")
    schedule = defs.resolve_schedule_def("nightly_full_pipeline")
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.tags[RANGE_START_TAG] == "2026-09-01"
    assert request.tags[RANGE_END_TAG] == "2026-10-01"


def test_a_month_is_scored_by_the_model_of_the_latest_refit_month_not_after_it():
    d = dt.date
    assert [refit_month(d(2026, m, 1), 3) for m in (8, 9, 10, 11, 12)] == [
        d(2026, 6, 1),
        d(2026, 9, 1),
        d(2026, 9, 1),
        d(2026, 9, 1),
        d(2026, 12, 1),
    ]
    assert refit_month(d(2026, 1, 1), 3) == d(2025, 12, 1)
    assert refit_month(d(2026, 5, 1), 1) == d(2026, 5, 1)
