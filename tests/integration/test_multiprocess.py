"""The full job as the schedule, the sensor and the UI launch it (multiprocess executor, its own
run config): one warehouse step at a time, so DuckDB never sees two writers."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_full_job_runs_multiprocess_without_lock_errors(tmp_path, monkeypatch):
    from simulator import simulate

    simulate(
        tmp_path / "sim",
        firms=150,
        months=14,
        end="2026-09",
        seed=3,
        fault_rate=0.01,
        progress=False,
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    for key, value in {
        "DAGSTER_HOME": home,
        "EH_DATA_ROOT": tmp_path / "sim",
        "EH_DUCKDB_PATH": tmp_path / "warehouse.duckdb",
        "EH_OUTPUT_DIR": tmp_path / "out",
    }.items():
        monkeypatch.setenv(key, str(value))

    from pipelines.partitions import all_months_tags
    from tests.integration.jobs import full_pipeline_job

    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(full_pipeline_job),
            instance=instance,
            # no run config: the job's own executor (pipelines.definitions.warehouse_executor),
            # what a run launched by the schedule, the sensor or the UI gets
            tags=all_months_tags(),
        )
        errors = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
        assert errors == []
        run_errors = [
            e.message for e in result.all_events if e.event_type_value in ("RUN_FAILURE",)
        ]
        skipped = sorted(
            e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"
        )
        assert result.success, (run_errors, skipped)
        # the job's executor is the multiprocess one: each step ran in its own process
        step_pids = {e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
        assert len(step_pids) >= 10, step_pids
        # no two warehouse steps overlapped in time
        stats = sorted(
            (s.start_time, s.end_time, s.step_key)
            for s in instance.get_run_step_stats(result.run_id)
            if s.start_time and s.end_time
        )
        assert len(stats) >= 10
        for (_, end, a), (start, _, b) in zip(stats, stats[1:], strict=False):
            assert start >= end - 0.5, f"{a} and {b} ran at the same time"
