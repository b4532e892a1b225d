"""Guard rails on the asset graph: definitions load, and keys, groups, checks and jobs change
only when the snapshot is updated on purpose (``make generate``, or
``python -m pipelines.snapshot``; ``UPDATE_SNAPSHOTS=1 pytest tests/unit/test_definitions.py``
writes it from the definitions this process loaded)."""

import json
import os

import dagster as dg

from pipelines.defs.dbt.assets import dbt_build_args
from pipelines.settings import WAREHOUSE_POOL
from pipelines.snapshot import SNAPSHOT, graph_snapshot


def test_definitions_load_and_match_the_snapshot():
    current = graph_snapshot()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=1) + "\n")
    assert SNAPSHOT.exists(), "no snapshot: run make generate"
    assert current == json.loads(SNAPSHOT.read_text()), (
        "the asset graph differs from tests/snapshots/asset_graph.json: if on purpose, run "
        "make generate"
    )


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
