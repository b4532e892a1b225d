"""Kill a run in dbt, in scoring and in publishing, rerun, and get exactly what an uninterrupted
run gives; and a monthly run over a newly landed month gives what a full rebuild gives.

Four runs and three killed ones on 200 firms x 16 months, each a child process
(tests/integration/pipeline_child.py) building the tables without the data tests, which write
none. The uninterrupted run is the monthly one (two runs) and the full rebuild is the run after
the kills, so each claim is checked against the other's build: a kill's trace or a monthly run
that differs from a full build shows as a table that differs."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# Every table the pipeline writes, read back as text: raw (the file log and quarantine with
# paths and times aside), the dbt models, the scores and the delivery tables.
SCHEMAS = ("raw", "intermediate", "marts", "scoring", "delivery")
VOLATILE = {"raw.ingest_log", "raw.ingest_files", "raw.ingest_releases", "raw.quarantine"}
CHILD = "tests.integration.pipeline_child"
KILL_POINTS = {
    "dbt": ("Running dbt command", 1.0),
    "scoring": ("SCORES_HALF_WRITTEN", 0.0),
    "publishing": ("PUBLISH_HALF_WRITTEN", 0.0),
}


def env_for(root: Path, data: Path, **extra: str) -> dict:
    return dict(
        os.environ,
        EH_DATA_ROOT=str(data),
        EH_DUCKDB_PATH=str(root / "w.duckdb"),
        EH_OUTPUT_DIR=str(root / "out"),
        EH_PUBLISHED_PATH=str(root / "published" / "warehouse.duckdb"),
        PYTHONUNBUFFERED="1",
        **extra,
    )


def run(root: Path, data: Path, kill_at: str | None = None, months: list[str] = ()) -> str:
    marker, wait = KILL_POINTS[kill_at] if kill_at else (None, 0.0)
    extra = {"publishing": {"PAUSE_IN_PUBLISH": "1"}, "scoring": {"PAUSE_IN_SCORING": "1"}}.get(
        kill_at or "", {}
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", CHILD, *months],
        cwd=REPO,
        env=env_for(root, data, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if marker and marker in line:
            time.sleep(wait)
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its dbt child, no clean-up
            proc.wait()
            return "KILLED"
    proc.wait()
    return "".join(seen[-5:])


def checksums(db: Path) -> dict[str, str]:
    """Order-independent checksum of every table the pipeline writes."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name in "
                f"{SCHEMAS} order by 1, 2"
            ).fetchall()
            if f"{s}.{t}" not in VOLATILE
        ]
        return {
            t: con.execute(
                f"select count(*), md5(string_agg(cast(x as varchar), '\\n' "
                f"order by cast(x as varchar))) from {t} x"
            ).fetchall()[0]
            for t in tables
        }


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    """The feeds built as they arrive in production, by a run that is never killed: everything
    but the latest month's delivery folders, then that month lands and the run the landing
    sensor starts (months_touched) brings the warehouse up to date. Returns the simulated
    feeds, the new month, the months the monthly run covered and the warehouse's checksums."""
    from pipelines.defs.automation.definitions import months_touched
    from simulator import simulate

    base = tmp_path_factory.mktemp("crash")
    data = base / "sim"
    simulate(data, firms=200, months=16, end="2026-09", seed=11, fault_rate=0.01, progress=False)
    landing = data / "landing"
    latest = max(p.name for p in landing.glob("*/*") if len(p.name) == 6 and p.name.isdigit())
    root = base / "monthly"
    root.mkdir()
    before = root / "sim"
    shutil.copytree(data, before, ignore=lambda d, names: [n for n in names if n == latest])
    assert "RUN_OK" in run(root, before)
    new_files = []
    for folder in landing.glob(f"*/{latest}"):
        shutil.copytree(folder, before / "landing" / folder.parent.name / latest)
        new_files += [str(f.relative_to(landing)) for f in folder.rglob("*") if f.is_file()]
    assert new_files
    months = months_touched(sorted(new_files), all_months_of(root, before))
    assert "RUN_OK" in run(root, before, months=months)
    return data, latest, months, checksums(root / "w.duckdb")


@pytest.fixture(scope="module")
def killed(tmp_path_factory, monthly):
    """The same feeds, all landed at once: runs killed in dbt, in scoring and half-way through
    publishing, each starting from what the one before left, then a run to the end (a full
    build over every month). Returns the folder and the warehouse's checksums."""
    data, *_ = monthly
    root = tmp_path_factory.mktemp("killed")
    for point in KILL_POINTS:
        assert run(root, data, kill_at=point) == "KILLED", point
    # killed half-way through copying: a partial temporary file, no snapshot yet
    assert not (root / "published" / "warehouse.duckdb").exists()
    assert "RUN_OK" in run(root, data)
    return root, checksums(root / "w.duckdb")


def test_runs_killed_in_dbt_scoring_and_publishing_then_rerun_equal_an_uninterrupted_run(
    killed, monthly
):
    """The reference was never killed (and reached the latest month by a monthly run, which
    the next test shows equals a full build): a difference is a kill's trace."""
    root, got = killed
    *_, expected = monthly
    assert {t: v for t, v in got.items() if v != expected.get(t)} == {}
    assert set(got) == set(expected)
    published = root / "published" / "warehouse.duckdb"
    snapshot = checksums(published)  # a reader opens a whole snapshot: the live tables
    assert snapshot["scoring.firm_health_scores"] == expected["scoring.firm_health_scores"]
    assert [p.name for p in published.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_monthly_run_over_the_newly_landed_month_equals_a_full_rebuild(monthly, killed):
    """The monthly run covers only the new month and the later ones, and ends where the full
    build (the killed runs' final one) does."""
    _, latest, months, got = monthly
    _, full = killed
    assert months[0] == f"{latest[:4]}-{latest[4:]}-01"
    assert {t: v for t, v in got.items() if v != full.get(t)} == {}
    assert set(got) == set(full)


def all_months_of(root: Path, data: Path) -> list[str]:
    """The partition keys a run sees (in a child: EH_PARTITION_START is read at import)."""
    out = subprocess.run(
        [sys.executable, "-m", CHILD, "--months"],
        cwd=REPO, env=env_for(root, data), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.split()
