"""The asset-graph snapshot (tests/snapshots/asset_graph.json) that tests/unit/test_definitions.py
compares the definitions with: ``python -m pipelines.snapshot`` rewrites it (``make generate``
runs it after the files generated from the feed contracts)."""

import json
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT

SNAPSHOT = REPO_ROOT / "tests" / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
    """Return the asset keys with their groups and deps, the checks, jobs, schedules and sensors
    of the Dagster definitions."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
        }
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    schedules = sorted(f"{s.name}:{s.cron_schedule}:{s.job_name}" for s in defs.schedules)
    sensors = sorted(s.name for s in defs.sensors)
    return {
        "assets": assets,
        "checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
    }


def write_snapshot(path: Path = SNAPSHOT) -> Path:
    """Write the snapshot of a freshly parsed dbt project to ``path`` and return it.

    The manifest is removed first: the staleness check compares modification times, and a model
    written while dbt was parsing would leave a manifest without it (and a snapshot without it).
    """
    (DBT_PROJECT_DIR / "target" / "manifest.json").unlink(missing_ok=True)
    path.write_text(json.dumps(graph_snapshot(), ensure_ascii=False, indent=1) + "\n")
    return path


if __name__ == "__main__":
    print(f"wrote {write_snapshot().relative_to(REPO_ROOT)}")
    sys.exit(0)
