"""The dbt project built on Spark (dbt-spark, session method, local[2]) from the same inputs as a
DuckDB build: the project's sources (raw.* and the tables the Python steps write, scoring.* and
delivery.alert_*) are exported from a DuckDB warehouse as Parquet, registered in Spark's catalog,
and `dbt build --target spark` builds every seed, model and test on them (docs/spark.md).

Folders under ``spark_dir``: sources/<schema>/<table>/ (the Parquet exports), warehouse/ (the
tables Spark builds, Parquet), metastore_db/ (Spark's catalog), target/ (dbt's own, apart from
the DuckDB target Dagster reads).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from pipelines.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class SparkBuild:
    """Where a Spark build lives and how long its steps took (seconds)."""

    spark_dir: Path
    seconds: dict[str, float]

    @property
    def warehouse(self) -> Path:
        return self.spark_dir / "warehouse"


def java_version() -> str:
    """Return the first line of `java -version`; raise RuntimeError when Java cannot run, which
    Spark needs (Java 17 or 21: apt-get install -y openjdk-17-jre-headless)."""
    try:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
    except FileNotFoundError as e:
        raise RuntimeError("Spark needs Java 17+: `java` is not on the PATH") from e
    if done.returncode != 0:
        raise RuntimeError(f"`java -version` failed: {done.stderr.strip()}")
    return (done.stderr or done.stdout).splitlines()[0]


def dbt_env(spark_dir: Path) -> dict[str, str]:
    """Return the environment of a dbt command on the Spark target."""
    env = dict(os.environ)
    env.update(
        EH_SPARK_DIR=str(spark_dir),
        EH_SPARK_SOURCES=str(spark_dir / "sources"),
        DBT_TARGET_PATH=str(spark_dir / "target"),
        DBT_LOG_PATH=str(spark_dir / "logs"),
        # dbt-spark's session method imports pyspark from this interpreter's environment
        PYSPARK_PYTHON=sys.executable,
    )
    return env


def dbt_command(args: Sequence[str]) -> list[str]:
    """Return the dbt command line on the Spark target.

    >>> dbt_command(["build"])[1:2] + dbt_command(["build"])[-3:]
    ['build', '--target', 'spark', '--no-partial-parse']
    """
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    return [dbt, *args, *project, "--target", "spark", "--no-partial-parse"]


def run_dbt(args: Sequence[str], spark_dir: Path, log: Path) -> None:
    """Run dbt on the Spark target in ``spark_dir``, its output appended to ``log``; raise
    RuntimeError with the log's tail when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"\n$ dbt {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(
            dbt_command(args),
            env=dbt_env(spark_dir),
            cwd=spark_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-40:])
        raise RuntimeError(f"dbt {args[0]} on Spark failed (log {log}):\n{tail}")


def manifest_sources(spark_dir: Path) -> list[tuple[str, str]]:
    """Return the (schema, table) of every source of the project, from the Spark manifest."""
    manifest = json.loads((spark_dir / "target" / "manifest.json").read_text())
    return sorted({(s["schema"], s["identifier"]) for s in manifest["sources"].values()})


def export_sources(duckdb_path: Path, tables: Sequence[tuple[str, str]], out_dir: Path) -> int:
    """Write each table of a DuckDB warehouse (opened read-only) as one Parquet file in
    ``out_dir/<schema>/<table>/``; return the rows written."""
    import duckdb

    rows = 0
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for schema, table in tables:
            folder = out_dir / schema / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(
                f'copy (select * from "{schema}"."{table}") to '
                f"'{folder / 'part-0.parquet'}' (format parquet)"
            )
            rows += con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    finally:
        con.close()
    return rows


def build(
    duckdb_path: Path, spark_dir: Path, *, fresh: bool = True, with_tests: bool = True
) -> SparkBuild:
    """Export the sources of ``duckdb_path`` and build the whole dbt project on Spark in
    ``spark_dir`` (from scratch when ``fresh``): `dbt build`, or with ``with_tests=False``
    `dbt seed` and `dbt run` (every table, none of the data and unit tests); return the
    folders and step timings."""
    java_version()
    spark_dir = spark_dir.resolve()
    if fresh:
        for name in ("warehouse", "metastore_db", "sources", "target"):
            shutil.rmtree(spark_dir / name, ignore_errors=True)
    spark_dir.mkdir(parents=True, exist_ok=True)
    log = spark_dir / "logs" / "spark_build.log"
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    run_dbt(["parse"], spark_dir, log)
    export_sources(duckdb_path, manifest_sources(spark_dir), spark_dir / "sources")
    seconds["export"] = time.perf_counter() - started

    started = time.perf_counter()
    run_dbt(["run-operation", "register_parquet_sources"], spark_dir, log)
    seconds["register"] = time.perf_counter() - started

    started = time.perf_counter()
    if with_tests:
        run_dbt(["build"], spark_dir, log)
    else:
        run_dbt(["seed"], spark_dir, log)
        run_dbt(["run"], spark_dir, log)
    seconds["build" if with_tests else "seed+run"] = time.perf_counter() - started
    return SparkBuild(spark_dir, seconds)


def built_tables(spark_dir: Path, schemas: Sequence[str]) -> dict[str, pa.Table]:
    """Return the tables of the dbt models in ``schemas`` that a Spark build wrote, read from
    their Parquet files (partition folders period_month=... become a column again)."""
    manifest = json.loads((spark_dir / "target" / "manifest.json").read_text())
    tables = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in schemas:
            continue
        if node["config"]["materialized"] == "view":
            continue
        folder = spark_dir / "warehouse" / f"{node['schema']}.db" / node["alias"]
        if not folder.is_dir():
            raise FileNotFoundError(f"Spark built no table for {node['name']} ({folder})")
        tables[f"{node['schema']}.{node['alias']}"] = ds.dataset(
            folder, format="parquet", partitioning="hive"
        ).to_table()
    return tables


def dbt_model_tables(spark_dir: Path, schemas: Sequence[str]) -> list[str]:
    """Return schema.table of every dbt model table in ``schemas`` (the ones both engines build)."""
    manifest = json.loads((spark_dir / "target" / "manifest.json").read_text())
    return sorted(
        f"{n['schema']}.{n['alias']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["schema"] in schemas
        and n["config"]["materialized"] != "view"
    )
