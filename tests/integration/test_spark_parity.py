"""The same dbt project on Spark, row for row: every model table Spark builds from the test
region's sources equals DuckDB's (docs/spark.md). Needs Java 17+ (pyspark bundles Spark); without
Java the test fails, it never skips."""

import pytest

from portability.cli import SCHEMAS, parity
from portability.row_hash import format_report
from portability.spark_build import build

pytestmark = [pytest.mark.integration, pytest.mark.spark]


def test_every_model_table_built_on_spark_equals_duckdb_row_for_row(pipeline, tmp_path):
    # models only (dbt seed + run): the data tests already ran on DuckDB, and each is a Spark
    # job of its own (minutes at this size)
    spark = build(pipeline.db_path, tmp_path / "spark", with_tests=False)

    diffs = parity(pipeline.db_path, spark.spark_dir, SCHEMAS)

    report = format_report(diffs, "duckdb", "spark")
    tables = {d.table for d in diffs}
    # the panel, the indicator table, the compliance marts and the alert list are all there
    assert {
        "intermediate.int_firm_months",
        "marts.fct_firm_indicators",
        "marts.rpt_revocation_candidates",
        "delivery.rpt_monthly_alert_list",
        "delivery.rpt_agency_alert_rows",
    } <= tables, report
    assert len(diffs) >= 35, report
    assert sum(d.left_rows for d in diffs) > 10_000, report
    assert [d.table for d in diffs if not d.identical] == [], report
