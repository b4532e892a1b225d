"""The published snapshot is complete or absent, never half-written."""

import shutil

import duckdb
import pytest

from pipelines.publish import publish_snapshot


def make_live(path, rows):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists scoring")
        con.execute("create or replace table scoring.t as select range as i from range(?)", [rows])


def read_count(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from scoring.t").fetchone()[0]


def test_publish_copies_a_readable_snapshot_with_a_manifest(tmp_path):
    live, target = tmp_path / "live.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    make_live(live, 1000)
    manifest = publish_snapshot(live, target, ["scoring.t"])
    assert read_count(target) == 1000
    assert manifest["row_counts"] == {"scoring.t": 1000}
    assert target.with_suffix(".manifest.json").exists()


def test_a_crash_while_copying_leaves_the_previous_snapshot(tmp_path, monkeypatch):
    live, target = tmp_path / "live.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    make_live(live, 1000)
    publish_snapshot(live, target, ["scoring.t"])
    make_live(live, 5000)

    def crash_midway(src, dst, length=0):
        dst.write(src.read(4096))
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copyfileobj", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        publish_snapshot(live, target, ["scoring.t"])
    assert read_count(target) == 1000  # the last good snapshot, intact
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_publisher_killed_mid_copy_leaves_nothing_behind_once_the_next_one_runs(tmp_path):
    import subprocess
    import sys

    live, target = tmp_path / "live.duckdb", tmp_path / "pub" / "warehouse.duckdb"
    make_live(live, 1000)
    publish_snapshot(live, target, ["scoring.t"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    abandoned = target.with_name(f".{target.name}.{dead}.tmp")  # a killed publisher's copy
    abandoned.write_bytes(b"half a warehouse")
    running = target.with_name(f".{target.name}.1.tmp")  # pid 1 runs: another publisher's
    running.write_bytes(b"in progress")
    make_live(live, 2000)
    publish_snapshot(live, target, ["scoring.t"])
    assert read_count(target) == 2000
    assert not abandoned.exists()
    assert running.exists()
