"""Running the dbt project on engines other than DuckDB (Spark, Trino): the dialect lint over the
compiled models, the Spark build from Parquet exports of the raw tables, and the row-for-row
parity of what each engine built (docs/spark.md)."""
