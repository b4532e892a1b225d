"""Kill a run mid-way, rerun, and get exactly what an uninterrupted run gives."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TABLES = [
    "raw.tax_declaration",
    "raw.quarantine",
    "marts.fct_firm_indicators",
    "scoring.firm_health_scores",
    "delivery.rpt_monthly_alert_list",
]
RUNNER = """
import dagster as dg
from pipelines.definitions import all_assets, all_checks, build_resources
from pipelines.partitions import all_months_tags
result = dg.materialize([*all_assets, *all_checks], resources=build_resources(),
                        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                        tags=all_months_tags())
print("RUN_OK" if result.success else "RUN_FAILED", flush=True)
"""


def env_for(root: Path, data: Path) -> dict:
    return dict(
        os.environ,
        EH_DATA_ROOT=str(data),
        EH_DUCKDB_PATH=str(root / "w.duckdb"),
        EH_OUTPUT_DIR=str(root / "out"),
        PYTHONUNBUFFERED="1",
    )


def run(root: Path, data: Path, kill_after: str | None = None) -> str:
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER],
        cwd=REPO,
        env=env_for(root, data),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if kill_after and kill_after in line:
            time.sleep(1.0)
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its dbt child, no clean-up
            proc.wait()
            return "KILLED"
    proc.wait()
    return "".join(seen[-5:])


def checksums(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: con.execute(
                f"select md5(string_agg(cast(x as varchar), '\\n' order by cast(x as varchar))) "
                f"from {t} x"
            ).fetchone()[0]
            for t in TABLES
        }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Simulated feeds and the checksums of an uninterrupted run over them."""
    from simulator import simulate

    base = tmp_path_factory.mktemp("crash")
    data = base / "sim"
    simulate(data, firms=200, months=16, end="2026-09", seed=11, fault_rate=0.01, progress=False)
    (base / "reference").mkdir()
    assert "RUN_OK" in run(base / "reference", data)
    return data, checksums(base / "reference" / "w.duckdb")


@pytest.mark.parametrize("kill_after", ["Running dbt command", "scored"])
def test_killed_run_then_rerun_equals_an_uninterrupted_run(tmp_path, reference, kill_after):
    data, expected = reference
    assert run(tmp_path, data, kill_after=kill_after) == "KILLED"
    assert "RUN_OK" in run(tmp_path, data)
    assert checksums(tmp_path / "w.duckdb") == expected
