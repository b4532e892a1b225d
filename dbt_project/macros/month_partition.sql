{#
  Monthly partitions. Panel models (one row per firm and month) are incremental, replacing whole
  months (macros/portable/incremental.sql: delete+insert on period_month on DuckDB,
  insert_overwrite of period_month partitions on Spark): a run with --vars '{min_month: "2025-01-01", max_month: "2025-03-01"}'
  recomputes exactly those months (reading full upstream history for look-back windows) and
  replaces them; the defaults (1900-01-01 .. 2999-12-01) cover every month. A first build or a
  --full-refresh builds every month regardless of the vars.

  The tag `monthly` puts the model in Dagster's partitioned step (pipelines/defs/dbt/assets.py:
  one partition per month, a backfill of a month range is one dbt build with these vars).
  tests/integration/test_partitions.py checks that an incremental rebuild of a month range
  equals a full rebuild for every incremental model.

  Use in a panel model:
    {{ config(materialized='incremental', tags=['monthly'], **month_partition_config()) }}
    ...
    select * from final where {{ in_month_partition('period_month') }}
#}
{% macro in_month_partition(column) -%}
    {%- if is_incremental() -%}
        {{ column }} between cast('{{ var("min_month") }}' as date) and cast('{{ var("max_month") }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
