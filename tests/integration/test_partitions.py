"""Monthly partitions: a backfill of a month range is one dbt build with the range's vars, and
rebuilding months incrementally gives exactly what a full rebuild gives."""

import json
import os
import shutil

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource

from pipelines.partitions import range_tags
from tests.integration.conftest import PipelineRun, run_pipeline

pytestmark = pytest.mark.integration

FIRST, LAST = "2025-01-01", "2025-06-01"
WINDOW = [f"2025-0{m}-01" for m in range(1, 7)]
# Tables the scoring step writes per month (not dbt models, same guarantee).
SCORING_TABLES = ["scoring.firm_health_scores", "scoring.firm_score_contributions"]


def incremental_tables() -> list[str]:
    """Every dbt model materialized incremental (whoever added it), as schema.table."""
    from pipelines.defs.dbt.assets import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    )


def checksum(run: PipelineRun, table: str) -> str:
    return run.sql(
        f"select md5(string_agg(cast(t as varchar), '\n' order by cast(t as varchar))) "
        f"from {table} t"
    )[0][0]


@pytest.fixture(scope="module")
def backfill(pipeline, tmp_path_factory):
    """On a copy of the full build: delete months 2025-01..06 from every incremental and
    scoring table, then backfill exactly those months as one run, recording dbt's commands."""
    base = tmp_path_factory.mktemp("backfill")
    copy = PipelineRun(pipeline.data_root, base / "w.duckdb", base / "out", pipeline.result)
    shutil.copy(pipeline.db_path, copy.db_path)
    tables = incremental_tables() + SCORING_TABLES
    import duckdb

    with duckdb.connect(str(copy.db_path)) as con:
        for table in tables:
            con.execute(f"delete from {table} where period_month between '{FIRST}' and '{LAST}'")

    from pipelines.definitions import all_assets

    partitioned = [key for a in all_assets if a.partitions_def is not None for key in a.keys]
    commands: list[list[str]] = []
    original_cli = DbtCliResource.cli

    def recording_cli(self, args, **kwargs):
        commands.append(list(args))
        return original_cli(self, args, **kwargs)

    saved = {k: os.environ.get(k) for k in ("EH_DUCKDB_PATH", "EH_OUTPUT_DIR")}
    os.environ.update(EH_DUCKDB_PATH=str(copy.db_path), EH_OUTPUT_DIR=str(copy.output_dir))
    DbtCliResource.cli = recording_cli
    try:
        result = run_pipeline(
            selection=dg.AssetSelection.assets(*partitioned), tags=range_tags(FIRST, LAST)
        )
    finally:
        DbtCliResource.cli = original_cli
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    return copy, result, commands, tables


def test_the_partitioned_assets_backfill_as_one_run():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in [
        dg.AssetKey(["marts", "fct_firm_indicators"]),
        dg.AssetKey(["intermediate", "int_tax_monthly_features"]),
        dg.AssetKey(["scoring", "firm_health_scores"]),
        dg.AssetKey(["delivery", "rpt_monthly_alert_list"]),
        dg.AssetKey(["delivery", "alert_list_extract"]),
    ]:
        node = graph.get(key)
        assert node.partitions_def is not None, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    for key in [dg.AssetKey(["marts", "dim_firm"]), dg.AssetKey(["raw", "tax_declaration"])]:
        assert graph.get(key).partitions_def is None, key


def test_a_backfill_of_six_months_is_one_dbt_build_per_step_with_the_range(backfill):
    _copy, result, commands, _tables = backfill
    assert result.success
    month_vars = json.dumps({"min_month": FIRST, "max_month": LAST})
    # the panel step and the delivery step: one dbt build each, both with the range
    assert commands == [["build", "--vars", month_vars], ["build", "--vars", month_vars]]
    scored = {
        e.partition
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["scoring", "firm_health_scores"])
    }
    assert scored == set(WINDOW)


def test_rebuilding_months_incrementally_equals_the_full_build(pipeline, backfill):
    copy, _result, _commands, tables = backfill
    assert "intermediate.int_tax_monthly_features" in tables
    assert "delivery.rpt_monthly_alert_list" in tables
    # the deleted months are back, equal to the full build, in every table rebuilt by month
    assert {t: checksum(copy, t) for t in tables} == {t: checksum(pipeline, t) for t in tables}
    months = copy.sql(
        "select count(distinct period_month) from scoring.firm_health_scores "
        f"where period_month between '{FIRST}' and '{LAST}'"
    )[0][0]
    assert months == 6


def test_a_backfill_writes_one_extract_per_month(backfill):
    copy, *_ = backfill
    files = sorted(p.name for p in (copy.output_dir / "extracts").glob("alert_list_*.csv"))
    assert files == [f"alert_list_2025{m:02d}.csv" for m in range(1, 7)]


def test_the_scores_of_a_month_do_not_depend_on_later_data(pipeline, tmp_path, monkeypatch):
    """Score every month on one copy; on another, remove every indicator row and distress event
    after M first: the scores of months up to M are the same (no look-ahead), fitted models
    included (a low min_events lets the small region fit)."""
    import duckdb

    from pipelines.defs.scoring.assets import firm_health_scores
    from pipelines.resources import WarehouseResource

    cut = "2026-03-01"
    monkeypatch.setenv("EH_OUTPUT_DIR", str(tmp_path / "out"))
    scores = {}
    for name, truncate in (("full", False), ("truncated", True)):
        db = tmp_path / f"{name}.duckdb"
        shutil.copy(pipeline.db_path, db)
        if truncate:
            with duckdb.connect(str(db)) as con:
                con.execute(f"delete from marts.fct_firm_indicators where period_month > '{cut}'")
                con.execute(
                    "delete from marts.fct_distress_events where event_date >= '2026-04-01'"
                )
        first = pipeline.sql("select min(period_month) from marts.fct_firm_indicators")[0][0]
        result = dg.materialize(
            [firm_health_scores],
            resources={"warehouse": WarehouseResource(path=str(db))},
            instance=dg.DagsterInstance.ephemeral(),
            tags=range_tags(str(first), cut if truncate else "2026-09-01"),
            run_config={
                "ops": {
                    "scoring__firm_health_scores": {
                        "config": {"min_events": 1, "min_labelled_months": 1}
                    }
                }
            },
        )
        metadata = result.asset_materializations_for_node("scoring__firm_health_scores")[0].metadata
        assert "fitted" in metadata["models_by_kind"].value
        with duckdb.connect(str(db), read_only=True) as con:
            scores[name] = con.execute(
                "select md5(string_agg(cast(t as varchar), '\n' order by cast(t as varchar))) "
                f"from scoring.firm_health_scores t where period_month <= '{cut}'"
            ).fetchone()[0]
    assert scores["full"] == scores["truncated"]
