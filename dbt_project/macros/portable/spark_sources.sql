{#
  Spark: every source of the project as a table over its Parquet export,
  EH_SPARK_SOURCES/<schema>/<table>/ (written by `python -m portability spark-build` from a
  DuckDB warehouse). Run once before a build: dbt run-operation register_parquet_sources --target spark
#}
{% macro register_parquet_sources() -%}
    {%- set root = env_var('EH_SPARK_SOURCES') -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set name = source.schema ~ '.' ~ source.identifier -%}
        {%- do run_query('create database if not exists ' ~ source.schema) -%}
        {%- do run_query('drop table if exists ' ~ name) -%}
        {%- do run_query("create table " ~ name ~ " using parquet location '" ~ root ~ "/" ~ source.schema ~ "/" ~ source.identifier ~ "'") -%}
        {{ log('registered ' ~ name, info=true) }}
    {%- endfor -%}
{%- endmacro %}
