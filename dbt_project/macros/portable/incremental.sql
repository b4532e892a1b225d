{#
  The incremental configuration of the monthly panel models, one per engine (docs/spark.md):

  - DuckDB: delete+insert on period_month (a rebuild of months A..B deletes those months and
    inserts them again);
  - Spark: insert_overwrite of a table partitioned by period_month (dynamic partition overwrite
    replaces exactly the months the run selects), in Parquet: the same result without a
    transactional table format.

  Use: {{ config(materialized='incremental', tags=['monthly'], **month_partition_config()) }}
#}
{% macro month_partition_config() -%}
    {{ return(adapter.dispatch('month_partition_config')()) }}
{%- endmacro %}

{% macro default__month_partition_config() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'period_month'}) }}
{%- endmacro %}

{% macro spark__month_partition_config() -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': ['period_month'], 'file_format': 'parquet'}) }}
{%- endmacro %}
