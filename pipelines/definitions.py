"""The Dagster code location: every asset, check and resource of the warehouse.

Data flows left to right: ingest (raw.*) -> dbt (staging, intermediate, marts) -> scoring ->
dbt delivery models -> files for people.

The firm-month panel, the scores and the alert list are partitioned by month
(pipelines/partitions.py); ingest, staging and the unpartitioned marts are not. One job runs
them all over a range of months: the nightly schedule the latest months, `make demo` every
month, a backfill any range (one dbt build and one scoring step for the whole range).
"""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.automation.definitions import build_automation
from pipelines.defs.dbt.assets import (
    dbt_project,
    delivery_dbt_models,
    panel_dbt_models,
    warehouse_dbt_models,
)
from pipelines.defs.delivery.alerts import monthly_alerts
from pipelines.defs.delivery.assets import (
    agency_extracts,
    alert_list_extract,
    compliance_extracts,
    published_warehouse,
)
from pipelines.defs.ingest.assets import feedback_ingest_assets, ingest_assets, landing_inventory
from pipelines.defs.quality.checks import gx_checks
from pipelines.defs.quality.freshness import raw_source_freshness
from pipelines.defs.scoring.assets import firm_health_scores
from pipelines.resources import WarehouseResource
from pipelines.settings import WAREHOUSE_TAGS, dbt_executable, duckdb_path

all_assets = [
    landing_inventory,
    *ingest_assets,
    *feedback_ingest_assets,
    warehouse_dbt_models,
    panel_dbt_models,
    firm_health_scores,
    monthly_alerts,
    delivery_dbt_models,
    alert_list_extract,
    agency_extracts,
    compliance_extracts,
    published_warehouse,
]

all_checks = [*gx_checks, raw_source_freshness]

# The executor of the jobs the schedule, the sensor and the UI launch: one process per step (a
# step's memory is returned when it ends), one warehouse step at a time (WAREHOUSE_TAGS), steps
# forked from a server that imported the definitions and Great Expectations once.
warehouse_executor = dg.multiprocess_executor.configured(
    {
        "max_concurrent": 2,
        "tag_concurrency_limits": [
            {"key": key, "value": value, "limit": 1} for key, value in WAREHOUSE_TAGS.items()
        ],
        "start_method": {
            "forkserver": {"preload_modules": ["pipelines.definitions", "great_expectations"]}
        },
    },
    name="warehouse_multiprocess",
)

full_pipeline_job = dg.define_asset_job(
    "full_pipeline",
    selection=dg.AssetSelection.all(),
    description="Ingest every feed, rebuild the unpartitioned models, and build, score and "
    "deliver the months of the run's partition range.",
    executor_def=warehouse_executor,
)


agency_feedback_job = dg.define_asset_job(
    "agency_feedback",
    selection=dg.AssetSelection.assets(*[a.key for a in feedback_ingest_assets])
    | dg.AssetSelection.assets(
        ["staging", "stg_feedback__outcomes"], ["delivery", "rpt_alert_feedback_summary"]
    ),
    description="Ingest the agencies' feedback files (landing/feedback/) and rebuild the "
    "feedback summary (delivery.rpt_alert_feedback_summary): precision per rule and agency, "
    "alert -> help conversion.",
    executor_def=warehouse_executor,
)


def build_resources() -> dict:
    """Return the resources, reading paths from the environment at load time."""
    return {
        "warehouse": WarehouseResource(path=str(duckdb_path())),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }


schedules, sensors = build_automation(full_pipeline_job)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[full_pipeline_job, agency_feedback_job],
    schedules=schedules,
    sensors=sensors,
    resources=build_resources(),
)
