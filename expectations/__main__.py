"""Run the data-quality suites against a warehouse and print every expectation's result.

    python -m expectations [--db data/warehouse.duckdb] [--suite raw_tax_declaration]
    python -m expectations --show-failure   # on a copy: inject a sign error, show it caught

Also builds the Great Expectations Data Docs site from the results, by default into
$EH_OUTPUT_DIR/quality/data_docs/index.html (EH_OUTPUT_DIR defaults to output/); open it in a
browser. Exit code 1 when a severe expectation fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from expectations.runner import build_data_docs, run_suite
from expectations.suites import ALL_SUITES

REPO = Path(__file__).resolve().parents[1]


def default_quality_dir() -> Path:
    return Path(os.environ.get("EH_OUTPUT_DIR", REPO / "output")).resolve() / "quality"


def report(db: Path, names: list[str] | None, quality: Path | None = None) -> bool:
    """Print every suite's results; keep them under ``quality`` and build the Data Docs there."""
    severe = False
    with duckdb.connect(str(db), read_only=True) as con:
        for suite in ALL_SUITES:
            if names and suite.name not in names:
                continue
            outcome = run_suite(suite, con, docs_root=quality / "gx" if quality else None)
            verdict = "PASS" if outcome.passed else ("FAIL" if outcome.severe_failed else "WARN")
            print(f"{verdict:<5} {suite.name}  ({len(outcome.results)} expectations)")
            if outcome.error:
                print(f"      could not run: {outcome.error}")
            for r in outcome.failed:
                print(f"      {r['severity']:<5} {r['part']}: {r['expectation']}")
                print(f"            observed {r['observed']} — catches: {r['why']}")
            severe |= outcome.severe_failed
    if quality is not None:
        index = build_data_docs(quality / "gx", quality / "data_docs")
        print(f"\nData Docs: {index.as_uri()}")
    return severe


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=str(REPO / "data" / "warehouse.duckdb"))
    parser.add_argument("--suite", action="append", help="run only this suite (repeatable)")
    parser.add_argument(
        "--quality-dir",
        default=str(default_quality_dir()),
        help="where results are kept (gx/) and Data Docs built (data_docs/)",
    )
    parser.add_argument(
        "--show-failure",
        action="store_true",
        help="on a copy: make one month's arrears negative and run the tax suite",
    )
    args = parser.parse_args()
    db = Path(args.db)
    if not db.exists():
        parser.error(f"{db} does not exist: run `make demo` first or pass --db")
    if not args.show_failure:
        return 1 if report(db, args.suite, Path(args.quality_dir)) else 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copy(db, copy)
        with duckdb.connect(str(copy)) as con:
            month = con.execute("select max(_period) from raw.tax_declaration").fetchone()[0]
            n = con.execute(
                "update raw.tax_declaration set tax_arrears = -tax_arrears - 1 where _period = ?",
                [month],
            ).fetchone()[0]
        print(f"injected: {n:,} declarations of {month} with negative arrears (a sign error)\n")
        report(copy, ["raw_tax_declaration"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
