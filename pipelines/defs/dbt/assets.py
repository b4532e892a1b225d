"""The dbt project as Dagster assets: staging -> intermediate -> marts, and the delivery models
that read the scores. dbt tests show up as asset checks.

Three steps, split by dbt selector (as dagster-open-platform splits incremental models):

- ``warehouse_dbt_models``: everything not monthly and not delivery (seeds, staging, dim_firm,
  the annual-report and compliance marts), rebuilt whole;
- ``panel_dbt_models``: models tagged ``monthly`` (the firm-month panel and the indicator
  table), partitioned by month, incremental with delete+insert on ``period_month``; a run or a
  backfill over months A..B is ONE ``dbt build --vars '{min_month: A, max_month: B}'``;
- ``delivery_dbt_models``: models tagged ``delivery`` (read the scores), monthly as well.
"""

import fcntl
import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.partitions import month_vars, monthly_partitions
from pipelines.resources import WarehouseResource
from pipelines.settings import (
    DBT_PROJECT_DIR,
    WAREHOUSE_POOL,
    WAREHOUSE_TAGS,
    dbt_environment,
    dbt_executable,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale(project: DbtProject) -> bool:
    """Return True when the manifest is missing or older than a model, seed, macro or config
    (a fresh clone, or a model edited since the last parse: the asset graph would be wrong)."""
    if not project.manifest_path.exists():
        return True
    parsed = project.manifest_path.stat().st_mtime
    folders = ("models", "seeds", "macros", "tests")
    sources = [p for d in folders for p in (DBT_PROJECT_DIR / d).rglob("*")]
    sources.append(DBT_PROJECT_DIR / "dbt_project.yml")
    return any(p.is_file() and p.stat().st_mtime > parsed for p in sources)


def prepare_manifest(project: DbtProject) -> None:
    """Parse the project when its manifest is stale (no warehouse connection needed: a few
    seconds, only when something changed), one process at a time: the test processes, or
    `dagster dev` and a run, may import the definitions together and would write it at once."""
    if not manifest_is_stale(project):
        return
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with open(project.manifest_path.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if manifest_is_stale(project):  # another process may have parsed meanwhile
            DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
                ["parse", "--quiet"], target_path=project.target_path
            ).wait()


prepare_manifest(dbt_project)


DELIVERY_SELECTOR = "tag:delivery"
MONTHLY_SELECTOR = "tag:monthly"


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt group = warehouse schema = folder; sources keep their [schema, table] keys so raw.*
    links to the ingest assets and scoring.* to the scoring asset."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


def dbt_build_args(first_month: str | None = None, last_month: str | None = None) -> list[str]:
    """Return the dbt command a step runs: a plain build, or one restricted to a month range.

    >>> dbt_build_args("2025-01-01", "2025-06-01")
    ['build', '--vars', '{"min_month": "2025-01-01", "max_month": "2025-06-01"}']
    """
    if first_month is None:
        return ["build"]
    return ["build", "--vars", json.dumps(month_vars(first_month, last_month or first_month))]


def _partition_args(context: dg.AssetExecutionContext) -> list[str]:
    keys = context.partition_key_range
    return dbt_build_args(keys.start, keys.end)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=f"{DELIVERY_SELECTOR} {MONTHLY_SELECTOR}",
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    dbt_environment(warehouse.path)
    yield from dbt.cli(dbt_build_args(), context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=MONTHLY_SELECTOR,
    exclude=DELIVERY_SELECTOR,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    name="panel_dbt_models",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def panel_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    dbt_environment(warehouse.path)
    yield from dbt.cli(_partition_args(context), context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=DELIVERY_SELECTOR,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WAREHOUSE_POOL,
    op_tags=WAREHOUSE_TAGS,
    name="delivery_dbt_models",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def delivery_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    dbt_environment(warehouse.path)
    yield from dbt.cli(_partition_args(context), context=context).stream()
