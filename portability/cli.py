"""The command line of the portability checks (docs/spark.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import REPO_ROOT

if TYPE_CHECKING:
    from portability.row_hash import TableDiff

SCHEMAS = ("intermediate", "marts", "delivery")


def _checksums(args: argparse.Namespace) -> int:
    from portability.row_hash import duckdb_tables, table_checksums

    sums = table_checksums(duckdb_tables(args.duckdb, args.schemas))
    text = json.dumps(sums, indent=1, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n")
    for table, record in sums.items():
        print(f"{table:<56} {record['rows']:>9,}  {record['checksum']}")
    if args.against:
        before = json.loads(Path(args.against).read_text())
        after = json.loads(text)
        changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
        print(f">> {len(after)} tables, {len(changed)} differ from {args.against}: {changed}")
        return 1 if changed else 0
    return 0


def _spark_build(args: argparse.Namespace) -> int:
    from portability.spark_build import build

    done = build(
        Path(args.duckdb), Path(args.spark_dir), fresh=not args.keep, with_tests=not args.no_tests
    )
    timings = ", ".join(f"{step} {s:.1f}s" for step, s in done.seconds.items())
    print(f">> built the dbt project on Spark in {done.spark_dir}: {timings}")
    return 0


def parity(duckdb_path: Path, spark_dir: Path, schemas: Sequence[str]) -> list[TableDiff]:
    """Return the row-for-row comparison of every dbt model table in ``schemas`` as DuckDB and
    as Spark built it (the Spark build in ``spark_dir``)."""
    from portability.row_hash import compare, duckdb_tables
    from portability.spark_build import built_tables, dbt_model_tables

    names = dbt_model_tables(spark_dir, schemas)
    duck = duckdb_tables(str(duckdb_path), schemas)
    spark = built_tables(spark_dir, schemas)
    return [compare(name, duck[name], spark[name]) for name in names]


def _parity(args: argparse.Namespace) -> int:
    from portability.row_hash import format_report

    if args.build:
        _spark_build(args)
    diffs = parity(Path(args.duckdb), Path(args.spark_dir).resolve(), args.schemas)
    print(format_report(diffs, "duckdb", "spark"))
    same = sum(d.identical for d in diffs)
    rows = sum(d.left_rows for d in diffs)
    print(f">> {same} of {len(diffs)} tables identical row for row ({rows:,} DuckDB rows)")
    return 0 if same == len(diffs) else 1


def _lint(args: argparse.Namespace) -> int:
    import tempfile

    from portability.spark_build import java_version, run_dbt
    from portability.sql_lint import compiled_nodes, format_result, lint

    if args.refresh_functions:
        from portability.sql_lint import write_spark_functions

        print(f">> {write_spark_functions()} Spark functions written")
    if args.manifest:
        manifest = Path(args.manifest)
    else:
        java_version()
        # an empty Spark catalog of its own: compiling never touches a real Spark build
        spark_dir = Path(tempfile.mkdtemp(prefix="eh-spark-lint-"))
        run_dbt(["compile", "--no-populate-cache"], spark_dir, spark_dir / "compile.log")
        manifest = spark_dir / "target" / "manifest.json"
    result = lint(compiled_nodes(manifest))
    print(format_result(result))
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portability", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sums = sub.add_parser("checksums", help="exact order-independent checksum of every table")
    sums.add_argument("duckdb", help="a DuckDB warehouse file (opened read-only)")
    sums.add_argument("--schemas", nargs="+", default=list(SCHEMAS))
    sums.add_argument("--out", help="write the checksums as JSON here")
    sums.add_argument("--against", help="a JSON written by --out: exit 1 when any table differs")
    sums.set_defaults(run=_checksums)
    spark = sub.add_parser("spark-build", help="build the dbt project on Spark")
    spark.add_argument("duckdb", help="the DuckDB warehouse whose sources are exported")
    spark.add_argument("--spark-dir", default=str(REPO_ROOT / "data" / "spark"))
    spark.add_argument("--keep", action="store_true", help="keep the previous Spark build")
    spark.add_argument("--no-tests", action="store_true", help="dbt seed + run, no dbt tests")
    spark.set_defaults(run=_spark_build)
    par = sub.add_parser("parity", help="compare every model table of DuckDB and Spark")
    par.add_argument("duckdb", help="the DuckDB warehouse (opened read-only)")
    par.add_argument("--spark-dir", default=str(REPO_ROOT / "data" / "spark"))
    par.add_argument("--schemas", nargs="+", default=list(SCHEMAS))
    par.add_argument("--build", action="store_true", help="run spark-build first")
    par.add_argument("--keep", action="store_true", help="with --build: keep the previous build")
    par.add_argument("--no-tests", action="store_true", help="with --build: no dbt tests")
    par.set_defaults(run=_parity)
    lint = sub.add_parser("lint", help="compile for Spark; sqlglot under Spark and Trino")
    lint.add_argument("--manifest", help="lint this compiled manifest instead of compiling")
    lint.add_argument(
        "--refresh-functions", action="store_true", help="rewrite spark_functions.txt first"
    )
    lint.set_defaults(run=_lint)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
