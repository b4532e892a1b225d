"""Wall time of the same dbt build on DuckDB and on Spark local[2], and the ratio.

    python benchmarks/spark_vs_duckdb.py --firms 20000 200000 --months 24
    python benchmarks/spark_vs_duckdb.py --warehouse data/warehouse.duckdb   # an existing build

For each size: simulate the region and run the whole pipeline on DuckDB once (ingest, dbt,
scoring, delivery: the Python-written sources the delivery models read), then time
`dbt build` of the whole project (seeds, every model, every test) on a copy of that warehouse
against the same raw tables, and `python -m portability spark-build` (export of the sources as
Parquet, registration, `dbt build --target spark`), and print both, the ratio and the row-for-row
parity of the model tables. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pipeline_warehouse(root: Path, firms: int, months: int) -> Path:
    """Simulate ``firms`` x ``months`` and run the whole pipeline on DuckDB into ``root``."""
    env = dict(
        os.environ,
        EH_DATA_ROOT=str(root / "sim"),
        EH_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        EH_OUTPUT_DIR=str(root / "output"),
    )
    env.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipelines.demo", "--firms", str(firms), "--months", str(months)]
        + ["--data-root", str(root / "sim")],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"   pipeline on DuckDB (simulate + every asset): {time.perf_counter() - started:.0f}s")
    return root / "warehouse.duckdb"


def duckdb_build(warehouse: Path, work: Path) -> float:
    """Return the seconds of `dbt build` on a copy of ``warehouse``."""
    copy = work / "duckdb_build.duckdb"
    shutil.copy(warehouse, copy)
    env = dict(os.environ, EH_DUCKDB_PATH=str(copy), DBT_TARGET_PATH=str(work / "duckdb_target"))
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = REPO / "dbt_project"
    started = time.perf_counter()
    subprocess.run(
        [dbt, "build", "--project-dir", str(project), "--profiles-dir", str(project)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(warehouse: Path, work: Path, label: str) -> None:
    from portability.cli import parity
    from portability.spark_build import build

    duck = duckdb_build(warehouse, work)
    started = time.perf_counter()
    spark = build(warehouse, work / "spark")
    spark_total = time.perf_counter() - started
    diffs = parity(
        work / "duckdb_build.duckdb", spark.spark_dir, ("intermediate", "marts", "delivery")
    )
    same = sum(d.identical for d in diffs)
    steps = ", ".join(f"{k} {v:.0f}s" for k, v in spark.seconds.items())
    print(
        f"{label}: DuckDB dbt build {duck:.1f}s | Spark local[2] {spark_total:.1f}s ({steps})"
        f" | Spark / DuckDB = {spark_total / duck:.1f}x"
        f" | parity {same}/{len(diffs)} tables identical"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--firms", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--warehouse", help="time this existing DuckDB warehouse instead")
    parser.add_argument("--work", help="keep the builds here (default: a temporary folder)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="eh-spark-bench-")).resolve()
    if args.warehouse:
        measure(Path(args.warehouse).resolve(), work, Path(args.warehouse).name)
        return 0
    for firms in args.firms:
        root = work / f"{firms}"
        print(f">> {firms:,} firms x {args.months} months in {root}")
        warehouse = pipeline_warehouse(root, firms, args.months)
        measure(warehouse, root, f"{firms:,} firms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
