"""Wall time and peak memory of the simulator and the full pipeline at several sizes.

    python benchmarks/pipeline_scale.py --firms 20000 1000000 --months 36 [--monthly]

With ``--monthly`` the latest month's delivery folders are held back: the full pipeline builds
every earlier month, then the folders land and the run the landing sensor would start (the
months ``months_touched`` names) brings the warehouse up to date; its time is the monthly
incremental run's.

Each stage runs in its own process so its peak resident memory (including dbt's process) is
measured on its own. The baseline is the raw read: polars decoding and parsing the same tax
files with no contract, validation or loading, so the ingest figure can be read as a ratio.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time
stage, root, firms, months = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
started = time.perf_counter()
extra = {}
if stage == "simulate":
    from simulator import simulate
    simulate(os.path.join(root, "sim"), firms=firms, months=months, seed=42, progress=False)
elif stage == "raw_read":
    import io, pathlib, polars as pl
    rows = 0
    for p in sorted(pathlib.Path(root, "sim", "landing", "tax").glob("*/declaration_*.csv")):
        rows += pl.read_csv(io.BytesIO(p.read_bytes().decode("gbk").encode()),
                            infer_schema=False).height
    extra["rows"] = rows
else:
    import dagster as dg
    from pipelines.definitions import all_assets, all_checks, build_resources
    instance = dg.DagsterInstance.ephemeral()
    from pipelines.partitions import all_months_tags, range_tags
    # stage "month FIRST LAST": the run over those partitions only (the monthly run)
    tags = range_tags(*sys.argv[5:7]) if stage == "month" else all_months_tags()
    result = dg.materialize([*all_assets, *all_checks], resources=build_resources(),
                            instance=instance, raise_on_error=False, tags=tags)
    steps = {s.step_key: s.end_time - s.start_time
             for s in instance.get_run_step_stats(result.run_id) if s.end_time and s.start_time}
    extra["success"] = result.success
    extra["steps"] = {k: round(v, 1) for k, v in steps.items()}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key.path == ["scoring", "firm_health_scores"]:
            extra["models"] = {k: mat.metadata[k].value for k in ("models_fitted", "models_reused")
                               if k in mat.metadata}
seconds = time.perf_counter() - started
peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("RESULT " + json.dumps({"seconds": seconds, "peak_gb": peak_kb / 1024**2, **extra}))
"""


def run_stage(stage: str, root: Path, firms: int, months: int, *extra: str) -> dict:
    env = dict(
        os.environ,
        EH_DATA_ROOT=str(root / "sim"),
        EH_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        EH_OUTPUT_DIR=str(root / "out"),
    )
    # a script file, not ``python -c``: with pyspark installed, Great Expectations imports
    # pyspark.sql.connect, which exits a ``-c`` process it takes for a doctest run
    child = root / "stage_child.py"
    root.mkdir(parents=True, exist_ok=True)
    child.write_text(CHILD, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(child), stage, str(root), str(firms), str(months), *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    # the marker can follow a progress bar on the same line
    for line in proc.stdout.splitlines():
        if "RESULT {" in line:
            return json.loads(line[line.index("RESULT {") + 7 :])
    raise RuntimeError(f"stage {stage} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def hold_back_latest_month(landing: Path) -> tuple[Path, str]:
    """Move the latest month's delivery folders (``<feed>/<YYYYMM>/``) out of the landing;
    return the landing and that month."""
    latest = max(p.name for p in landing.glob("*/*") if len(p.name) == 6 and p.name.isdigit())
    held = landing.parent / "held_back"
    for folder in landing.glob(f"*/{latest}"):
        (held / folder.parent.name).mkdir(parents=True, exist_ok=True)
        folder.rename(held / folder.parent.name / latest)
    return landing, latest


def land(landing: Path, latest: str) -> tuple[str, str]:
    """Put the held-back folders in the landing; return the first and last month the landing
    sensor's run would cover."""
    from pipelines.defs.automation.definitions import months_touched
    from pipelines.partitions import all_months

    held = landing.parent / "held_back"
    files = []
    for folder in held.glob(f"*/{latest}"):
        files += [str(f.relative_to(held)) for f in folder.rglob("*") if f.is_file()]
        folder.rename(landing / folder.parent.name / latest)
    months = months_touched(sorted(files), all_months())
    return months[0], months[-1]


def _models(stage: dict) -> str:
    """Return what the scoring step fitted and read back from earlier runs (scoring/fit_cache)."""
    models = stage.get("models", {})
    return (
        f"scoring fitted {models.get('models_fitted', '?')} models, "
        f"read back {models.get('models_reused', '?')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, nargs="+", default=[20_000])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workdir", default=None, help="keep outputs here (default: temp dir)")
    parser.add_argument(
        "--monthly", action="store_true", help="hold the latest month back, then run it alone"
    )
    args = parser.parse_args()
    print(f"{'firms':>9} {'stage':<10} {'wall s':>8} {'peak GB':>8}  notes")
    for firms in args.firms:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            root = Path(tmp)
            started = time.perf_counter()
            sim = run_stage("simulate", root, firms, args.months)
            print(f"{firms:>9,} {'simulate':<10} {sim['seconds']:>8.1f} {sim['peak_gb']:>8.2f}")
            raw = run_stage("raw_read", root, firms, args.months)
            print(
                f"{firms:>9,} {'raw read':<10} {raw['seconds']:>8.1f} {raw['peak_gb']:>8.2f}"
                f"  baseline: polars decode+parse of {raw['rows']:,} tax rows"
            )
            held = hold_back_latest_month(root / "sim" / "landing") if args.monthly else None
            pipe = run_stage("pipeline", root, firms, args.months)
            ingest = pipe["steps"].get("raw__tax_declaration", float("nan"))
            print(
                f"{firms:>9,} {'pipeline':<10} {pipe['seconds']:>8.1f} {pipe['peak_gb']:>8.2f}"
                f"  success={pipe['success']}; tax ingest {ingest:.1f} s = "
                f"{ingest / raw['seconds']:.1f}x the raw read; {_models(pipe)}"
            )
            for step, secs in sorted(pipe["steps"].items(), key=lambda kv: -kv[1]):
                print(f"{'':>9} {'':<10} {secs:>8.1f} {'':>8}  step {step}")
            if held:
                month = run_stage("month", root, firms, args.months, *land(*held))
                print(
                    f"{firms:>9,} {'monthly':<10} {month['seconds']:>8.1f} "
                    f"{month['peak_gb']:>8.2f}  success={month['success']}; the run after "
                    f"{held[1]} landed; {_models(month)}"
                )
                for step, secs in sorted(month["steps"].items(), key=lambda kv: -kv[1]):
                    print(f"{'':>9} {'':<10} {secs:>8.1f} {'':>8}  step {step}")
            size = sum(
                p.stat().st_size for p in (root / "sim" / "landing").rglob("*") if p.is_file()
            )
            db = (root / "warehouse.duckdb").stat().st_size
            print(
                f"{'':>9} {'':<10} landing {size / 1e9:.2f} GB, warehouse {db / 1e9:.2f} GB, "
                f"total {time.perf_counter() - started:.0f} s"
            )


if __name__ == "__main__":
    main()
