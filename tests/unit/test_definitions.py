"""Guard rails on the asset graph: definitions load, and keys, groups, checks and jobs change
only when the snapshot is updated on purpose:

    UPDATE_SNAPSHOTS=1 pytest tests/unit/test_definitions.py
"""

import json
import os
from pathlib import Path

import dagster as dg

from pipelines.defs.dbt.assets import dbt_build_args
from pipelines.settings import WAREHOUSE_POOL

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
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


def test_definitions_load_and_match_the_snapshot():
    current = graph_snapshot()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=1) + "\n")
    assert SNAPSHOT.exists(), (
        "no snapshot: run UPDATE_SNAPSHOTS=1 pytest tests/unit/test_definitions.py"
    )
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_asset_that_touches_the_warehouse_is_in_the_single_writer_pool():
    from pipelines.definitions import defs

    pools = {}
    for assets_def in defs.assets:
        if isinstance(assets_def, dg.AssetsDefinition):
            for key in assets_def.keys:
                pools[key.to_user_string()] = assets_def.node_def.pool
    assert pools, "no assets found"
    assert {k for k, p in pools.items() if p != WAREHOUSE_POOL} == set()


def test_instance_limits_every_pool_to_one_slot():
    import yaml

    config = yaml.safe_load((SNAPSHOT.parents[2] / "dagster_home" / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1


def test_dbt_runs_a_plain_build():
    assert dbt_build_args() == ["build"]
