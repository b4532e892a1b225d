"""A pipeline run in a child process, for tests that kill it: ``python -m
tests.integration.pipeline_child [FIRST_MONTH LAST_MONTH]`` (default every month), with the
warehouse and landing of the environment. Prints RUN_OK or RUN_FAILED at the end.

PAUSE_IN_PUBLISH=1 stops the run half-way through copying the published snapshot (it prints
PUBLISH_HALF_WRITTEN and waits); PAUSE_IN_SCORING=1 stops it when the scores are written to the
side tables but not yet swapped in (SCORES_HALF_WRITTEN); a test kills it there.

A module run with -m rather than ``python -c``: with pyspark installed, Great Expectations
imports pyspark.sql.connect, which exits a ``-c`` process it takes for a doctest run.
"""

import os
import shutil
import sys
import time

import dagster as dg

from pipelines.definitions import all_assets, all_checks, build_resources
from pipelines.defs.dbt.assets import delivery_dbt_models, panel_dbt_models, warehouse_dbt_models
from pipelines.partitions import all_months, all_months_tags, range_tags

TABLES_ONLY = dg.AssetSelection.all() - dg.AssetSelection.checks_for_assets(
    warehouse_dbt_models, panel_dbt_models, delivery_dbt_models
)


def half_copy(src, dst, length=0):
    dst.write(src.read(1 << 16))
    dst.flush()
    print("PUBLISH_HALF_WRITTEN", flush=True)
    time.sleep(600)


def main(months: list[str]) -> None:
    if months == ["--months"]:
        print(*all_months())
        return
    if os.environ.get("PAUSE_IN_PUBLISH"):
        shutil.copyfileobj = half_copy
    if os.environ.get("PAUSE_IN_SCORING"):
        import pipelines.defs.scoring.assets as scoring_assets

        class PausingSideTables(scoring_assets.SideTables):
            def __exit__(self, *exc):
                print("SCORES_HALF_WRITTEN", flush=True)
                time.sleep(600)

        scoring_assets.SideTables = PausingSideTables
    tags = range_tags(months[0], months[-1]) if months else all_months_tags()
    with_checks = bool(os.environ.get("WITH_CHECKS"))
    result = dg.materialize(
        # the tables only, unless WITH_CHECKS: the data tests (dbt's, the GX suites,
        # freshness) write no table, and leaving them out saves a quarter of a small run; the
        # checks built into the ingest assets (held deliveries) stay
        [*all_assets, *all_checks] if with_checks else all_assets,
        selection=None if with_checks else TABLES_ONLY,
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        tags=tags,
    )
    print("RUN_OK" if result.success else "RUN_FAILED", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
