"""`make demo`: simulate department feeds, run every asset, print what came out.

python -m pipelines.demo --firms 20000 --months 36 --seed 42 [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from pipelines.settings import REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--end", default="2026-09", help="last simulated month (YYYY-MM)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--data-root", default=str(REPO_ROOT / "data" / "sim"))
    parser.add_argument(
        "--fresh", action="store_true", help="delete simulated data and warehouse first"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data_root = Path(args.data_root).resolve()
    os.environ["EH_DATA_ROOT"] = str(data_root)
    os.environ.setdefault("EH_DUCKDB_PATH", str(REPO_ROOT / "data" / "warehouse.duckdb"))
    db_path = Path(os.environ["EH_DUCKDB_PATH"]).resolve()

    params = {k: getattr(args, k) for k in ("firms", "months", "end", "seed", "fault_rate")}
    marker = data_root / "simulation.json"
    previous = json.loads(marker.read_text()) if marker.exists() else None
    if args.fresh or previous != params:
        if previous is not None and previous != params:
            print(f">> simulation parameters changed ({previous} -> {params}): starting afresh")
        shutil.rmtree(data_root, ignore_errors=True)
        for p in (db_path, db_path.with_name(db_path.name + ".wal")):
            p.unlink(missing_ok=True)
        from simulator import simulate

        print(f">> simulating {args.firms:,} firms x {args.months} months into {data_root}")
        simulate(
            data_root,
            firms=args.firms,
            months=args.months,
            end=args.end,
            seed=args.seed,
            fault_rate=args.fault_rate,
            progress=True,
        )
        marker.write_text(json.dumps(params))
    else:
        print(f">> simulated feeds already in {data_root} (same parameters): reusing them")

    # The monthly partitions start at the first simulated month (unless EH_PARTITION_START says
    # otherwise), so the run below covers every simulated month.
    end_year, end_month = (int(x) for x in args.end.split("-"))
    first = end_year * 12 + end_month - 1 - (args.months - 1)
    os.environ.setdefault("EH_PARTITION_START", f"{first // 12:04d}-{first % 12 + 1:02d}-01")

    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.partitions import all_months_tags
    from pipelines.settings import published_path
    from pipelines.summary import format_summary, run_summary

    tags = all_months_tags()
    print(
        ">> running the pipeline: ingest -> dbt -> scoring -> delivery, months "
        f"{tags['dagster/asset_partition_range_start'][:7]}..{tags['dagster/asset_partition_range_end'][:7]}"
    )
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    job = defs.resolve_job_def("full_pipeline")
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    feedback_ok = True
    if result.success:
        # The agencies answer: simulated feedback on the extracts just written (some agencies
        # late, one silent, a few malformed rows), ingested and summarised like a nightly run.
        from simulator.feedback import simulate_feedback

        out_dir = Path(os.environ.get("EH_OUTPUT_DIR", REPO_ROOT / "output"))
        written = simulate_feedback(out_dir / "extracts" / "agencies", data_root, seed=args.seed)
        print(
            f">> agencies returned {sum(written.values()):,} feedback rows "
            f"({', '.join(f'{a} {n:,}' for a, n in sorted(written.items()))}); ingesting them"
        )
        feedback = defs.resolve_job_def("agency_feedback").execute_in_process(
            instance=instance, raise_on_error=False, tags=tags
        )
        feedback_ok = feedback.success
        failed += [e.step_key for e in feedback.all_events if e.event_type_value == "STEP_FAILURE"]
    extract = None
    extracts = sorted(
        (Path(os.environ.get("EH_OUTPUT_DIR", REPO_ROOT / "output")) / "extracts").glob(
            "alert_list_*.csv"
        )
    )
    if extracts:
        extract = extracts[-1]
    print(
        format_summary(
            run_summary(db_path),
            wall_seconds=time.perf_counter() - started,
            db_path=db_path,
            extract=extract,
            failed_steps=failed,
            published=published_path(),
        )
    )
    if result.success:
        # The firm reports (企检报告) of the ten firms that fell most and the regional overview,
        # from the snapshot just published; without Chromium the HTML only, and it says why.
        from reports.cli import demo_reports

        out_dir = Path(os.environ.get("EH_OUTPUT_DIR", REPO_ROOT / "output"))
        print(">> firm reports and the regional overview (python -m reports demo)")
        demo_reports(published_path(), out_dir / "reports", None, 10, True, None)
    return 0 if result.success and feedback_ok else 1


if __name__ == "__main__":
    sys.exit(main())
