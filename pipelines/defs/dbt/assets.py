"""The dbt project as Dagster assets: staging -> intermediate -> marts, and the delivery models
that read the scores. dbt tests show up as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.settings import DBT_PROJECT_DIR, WAREHOUSE_POOL, duckdb_path

duckdb_path()  # exports EH_DUCKDB_PATH for dbt's profile

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
if not dbt_project.manifest_path.exists():
    # A fresh clone has no manifest yet: parse once (no warehouse connection needed).
    dbt_project.preparer.prepare(dbt_project)
dbt_project.prepare_if_dev()

DELIVERY_SELECTOR = "tag:delivery"


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt group = warehouse schema = folder; sources keep their [schema, table] keys so raw.*
    links to the ingest assets and scoring.* to the scoring asset."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


def dbt_build_args() -> list[str]:
    """Return the dbt command the assets run (kept small and pure so tests can pin it)."""
    return ["build"]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=DELIVERY_SELECTOR,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WAREHOUSE_POOL,
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(dbt_build_args(), context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=DELIVERY_SELECTOR,
    dagster_dbt_translator=WarehouseTranslator(),
    pool=WAREHOUSE_POOL,
    name="delivery_dbt_models",
)
def delivery_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(dbt_build_args(), context=context).stream()
