"""How much dbt adds to the SQL it runs: a dbt full refresh, then the same compiled SQL run raw.

    python benchmarks/dbt_overhead.py --duckdb COPY.duckdb [--select tag:monthly] [--exclude ...]

WRITES to the DuckDB file (every selected model is rebuilt twice), so pass a copy of a built
warehouse; data/warehouse.duckdb itself is refused. Seeds and raw.* tables are left alone.

1. ``dbt parse`` once, untimed (a fresh target path has no partial-parse state; a Dagster run
   finds one, so the timed run parses as a warm project does); its wall is printed as the cold
   parse.
2. ``dbt run --full-refresh`` with the project's own profile (threads 1), EH_DUCKDB_PATH = the
   copy, timed wall-clock from process launch to exit; per-model times from run_results.json and
   the JSON log's event times split the fixed cost (interpreter start, parse, adapter set-up
   before the first model) from the per-model cost.
3. The very same compiled SQL (run_results' ``compiled_code``; ephemeral models are inlined by
   dbt) executed from Python on one DuckDB connection with the profile's settings, model by
   model in dbt's execution order: ``create or replace view|table <schema>.<alias> as ...``
   (incremental models as tables: this is a full refresh). Timed the same way.
4. Row counts of every model after each of the two runs, compared (mismatches printed).

Per-model figures are written to ``<workdir>/models.json`` beside dbt's logs and artifacts.

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
from datetime import datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "dbt_project"


def dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def refuse_live_warehouse(path: Path) -> None:
    live = (REPO / "data" / "warehouse.duckdb").resolve()
    if path == live or (path.name == "warehouse.duckdb" and path.parent.name == "data"):
        sys.exit(f"refusing {path}: this benchmark rewrites every model; pass a copy")
    if not path.exists():
        sys.exit(f"{path} does not exist: copy a built warehouse there first")


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def run_dbt(args: list[str], env: dict[str, str], work: Path, name: str) -> tuple[float, float]:
    """Run dbt ``args``; return (launch epoch, wall seconds). Output goes to work/<name>.out,
    dbt's JSON log to work/<name>/dbt.log (emptied first: dbt appends)."""
    (work / name / "dbt.log").unlink(missing_ok=True)
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / name),
        "--log-format-file",
        "json",
    ]
    with open(work / f"{name}.out", "w") as out:
        launched = time.time()
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # 1: some model failed, still report the rest
        sys.exit(f"dbt {args[0]} exited {proc.returncode}; see {work / f'{name}.out'}")
    return launched, wall


def read_log(log_dir: Path) -> tuple[dict[str, float], dict[str, list[tuple[str, float]]]]:
    """From dbt's JSON file log: the first time (epoch s) each event name appears, and per node
    the SQL statements dbt sent for it, as (first words, seconds)."""
    first: dict[str, float] = {}
    queries: dict[str, list[tuple[str, float]]] = {}
    sent: dict[str, str] = {}
    with open(log_dir / "dbt.log", encoding="utf-8") as lines:
        for line in lines:
            try:
                event = json.loads(line)
                info = event["info"]
            except (ValueError, KeyError):
                continue
            first.setdefault(info["name"], epoch(info["ts"]))
            node = event.get("data", {}).get("node_info", {}).get("unique_id")
            if not node:
                continue
            if info["name"] == "SQLQuery":
                sent[node] = event["data"].get("sql", "")
            elif info["name"] == "SQLQueryStatus":
                sql = sent.pop(node, "")
                queries.setdefault(node, []).append((sql, float(event["data"]["elapsed"])))
    return first, queries


def row_counts(con: duckdb.DuckDBPyConnection, models: list[dict]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for m in models:
        try:
            counts[m["name"]] = con.execute(
                f'select count(*) from "{m["schema"]}"."{m["alias"]}"'
            ).fetchone()[0]
        except duckdb.Error:
            counts[m["name"]] = None
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", required=True, help="a COPY of a built warehouse (rewritten)")
    parser.add_argument("--select", nargs="+", default=None, help="passed to dbt run --select")
    parser.add_argument("--exclude", nargs="+", default=None, help="passed to dbt run --exclude")
    parser.add_argument("--workdir", default=None, help="keep dbt's target and logs here")
    args = parser.parse_args()

    path = Path(args.duckdb).resolve()
    refuse_live_warehouse(path)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="dbt_overhead_")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, EH_DUCKDB_PATH=str(path))
    memory_limit = env.get("EH_DUCKDB_MEMORY_LIMIT", "10GB")
    selection = [*(["--select", *args.select] if args.select else [])]
    selection += ["--exclude", *args.exclude] if args.exclude else []

    _, cold_parse = run_dbt(["parse"], env, work, "parse")
    launched, dbt_wall = run_dbt(["run", "--full-refresh", *selection], env, work, "run")
    exited = launched + dbt_wall

    manifest = json.loads((work / "target" / "manifest.json").read_text())
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    models = []
    for r in results:  # threads 1: the order dbt ran them in, a valid dependency order
        node = manifest["nodes"][r["unique_id"]]
        if node["resource_type"] != "model":
            continue
        timing = {t["name"]: t for t in r["timing"]}
        models.append(
            {
                "id": r["unique_id"],
                "name": node["name"],
                "schema": node["schema"],
                "alias": node["alias"],
                "materialized": node["config"]["materialized"],
                "status": r["status"],
                "sql": r.get("compiled_code") or node.get("compiled_code"),
                "dbt": r["execution_time"],
                "start": epoch(timing["compile"]["started_at"]) if "compile" in timing else None,
                "end": epoch(timing["execute"]["completed_at"]) if "execute" in timing else None,
            }
        )
    failed = [m["name"] for m in models if m["status"] != "success"]
    models = [m for m in models if m["status"] == "success"]
    if not models:
        sys.exit(f"dbt built no model; see {work / 'run.out'}")

    with duckdb.connect(str(path), read_only=True) as con:
        dbt_counts = row_counts(con, models)

    started = time.perf_counter()
    con = duckdb.connect(str(path), config={"memory_limit": memory_limit})
    con.execute("set enable_progress_bar = false")
    connected = time.perf_counter() - started
    for m in models:
        kind = "view" if m["materialized"] == "view" else "table"
        t = time.perf_counter()
        con.execute(f'create schema if not exists "{m["schema"]}"')
        con.execute(f'create or replace {kind} "{m["schema"]}"."{m["alias"]}" as (\n{m["sql"]}\n)')
        m["raw"] = time.perf_counter() - t
    con.close()
    raw_wall = time.perf_counter() - started

    with duckdb.connect(str(path), read_only=True) as con:
        raw_counts = row_counts(con, models)

    events, queries = read_log(work / "run")
    first_model = min(m["start"] for m in models if m["start"])
    last_model = max(m["end"] for m in models if m["end"])
    dbt_models = sum(m["dbt"] for m in models)
    raw_models = sum(m["raw"] for m in models)
    # a node's statements: its create ... as (the model's SQL); the COMMIT, and the drop of the
    # table it replaces (__dbt_backup), which write the new table out and free the old one (the
    # raw run's create or replace does both, autocommitted; DuckDB checkpoints at whichever
    # commit the WAL outgrows its threshold); the rest is dbt's bookkeeping (BEGIN, renames,
    # catalog look-ups). What is left of the node's time is dbt's Python (render, adapter, events)
    for m in models:
        m["main_sql"] = m["commit"] = m["other_sql"] = 0.0
        for sql, secs in queries.get(m["id"], []):
            words = " ".join(sql.split()).lower()
            if words == "commit" or words.startswith("drop ") or " drop table " in words:
                m["commit"] += secs
            elif " as (" in words and ("create " in words) and "__dbt_backup" not in words:
                m["main_sql"] += secs
            else:
                m["other_sql"] += secs
    main_sql = sum(m["main_sql"] for m in models)
    commit = sum(m["commit"] for m in models)
    other_sql = sum(m["other_sql"] for m in models)
    parsed = events.get("FoundStats")  # "Found N models, ..." follows the manifest load
    version = events.get("MainReportVersion")  # dbt's first log line: imports done
    completed = events.get("CommandCompleted")  # artifacts written

    keep = ("name", "materialized", "dbt", "raw", "main_sql", "commit", "other_sql")
    per_model = [{k: m[k] for k in keep} for m in models]
    for m in per_model:
        m["rows_dbt"], m["rows_raw"] = dbt_counts[m["name"]], raw_counts[m["name"]]
    (work / "models.json").write_text(json.dumps(per_model, indent=1))

    kinds = sorted({m["materialized"] for m in models})
    print(f"warehouse {path} ({path.stat().st_size / 1e9:.2f} GB); dbt logs and target in {work}")
    print(f"selection: {' '.join(selection) or 'whole project'}")
    by_kind = ", ".join(f"{sum(m['materialized'] == k for m in models)} {k}" for k in kinds)
    print(f"models: {len(models)} ({by_kind})")
    if failed:
        print(f"dbt failed {len(failed)}: {', '.join(failed)} (left out of both runs)")
    print()
    print(f"{'dbt wall s':<34} {dbt_wall:>8.1f}")
    print(f"{'raw wall s':<34} {raw_wall:>8.1f}")
    print(f"{'ratio dbt / raw':<34} {dbt_wall / raw_wall:>8.2f}")
    print()
    print("dbt's wall, split:")
    print(f"  {'fixed: launch -> first model':<32} {first_model - launched:>8.1f}")
    if version and parsed:
        print(f"  {'  interpreter + imports':<32} {version - launched:>8.1f}")
        print(f"  {'  load project + parse':<32} {parsed - version:>8.1f}")
        print(f"  {'  connect, cache, before 1st':<32} {first_model - parsed:>8.1f}")
    print(f"  {'models (sum of node times)':<32} {dbt_models:>8.1f}")
    between = (last_model - first_model) - dbt_models
    print(f"  {'between models':<32} {between:>8.1f}")
    if completed:
        print(f"  {'last model -> artifacts written':<32} {completed - last_model:>8.1f}")
        print(f"  {'-> process exit':<32} {exited - completed:>8.1f}")
    else:
        print(f"  {'last model -> exit':<32} {exited - last_model:>8.1f}")
    print(f"  (cold parse, no partial-parse state: dbt parse wall {cold_parse:.1f} s)")
    print("raw's wall, split:")
    print(f"  {'connect + settings':<32} {connected:>8.2f}")
    print(f"  {'models (sum)':<32} {raw_models:>8.1f}")
    print(
        f"per model: dbt {dbt_models:.1f} s vs raw {raw_models:.1f} s = "
        f"{dbt_models / raw_models:.2f}x, difference {dbt_models - raw_models:+.1f} s "
        f"({(dbt_models - raw_models) / len(models):+.2f} s a model); of dbt's node time:"
    )
    print(
        f"  {'statements + COMMIT + drop':<32} {main_sql + commit:>8.1f}  (raw: {raw_models:.1f})"
    )
    print(f"  {'  of which COMMIT, drop old':<32} {commit:>8.1f}")
    print(f"  {'bookkeeping SQL':<32} {other_sql:>8.1f}")
    python = dbt_models - main_sql - commit - other_sql
    print(f"  {'dbt Python in the nodes':<32} {python:>8.1f}")
    print()
    print("largest dbt - raw differences:")
    print(
        f"  {'model':<40} {'kind':<11} {'dbt s':>7} {'raw s':>7} {'diff s':>7} "
        f"{'stmt s':>7} {'books s':>7}"
    )
    for m in sorted(models, key=lambda m: m["raw"] - m["dbt"])[:10]:
        print(
            f"  {m['name']:<40} {m['materialized']:<11} {m['dbt']:>7.2f} {m['raw']:>7.2f} "
            f"{m['dbt'] - m['raw']:>+7.2f} {m['main_sql'] + m['commit']:>7.2f} "
            f"{m['other_sql']:>7.2f}"
        )
    print()
    mismatched = [m["name"] for m in models if dbt_counts[m["name"]] != raw_counts[m["name"]]]
    total = sum(c or 0 for c in dbt_counts.values())
    print(
        f"row counts: {len(models) - len(mismatched)} of {len(models)} models equal "
        f"({total:,} rows in dbt's)"
    )
    for name in mismatched:
        print(f"  MISMATCH {name}: dbt {dbt_counts[name]}, raw {raw_counts[name]}")


if __name__ == "__main__":
    main()
