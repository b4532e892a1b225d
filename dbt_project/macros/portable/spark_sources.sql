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

{#
  Seeds on Spark as literal rows: dbt-spark's session method substitutes the bindings of its
  seed insert into the SQL without escaping, so a value with an apostrophe ("Owners' equity")
  breaks the statement. Same statement otherwise (one insert per batch, each value cast to the
  seed's column type).
#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            ({%- for value in row -%}
                {%- set column = agate_table.column_names[loop.index0] -%}
                {%- set type = column_override.get(column, adapter.convert_type(agate_table, loop.index0)) -%}
                cast({{ spark_literal(value) }} as {{ type }}){{ ', ' if not loop.last }}
            {%- endfor -%}){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{% macro spark_literal(value) -%}
    {%- if value is none -%} null
    {%- elif value is sameas true or value is sameas false -%} {{ 'true' if value else 'false' }}
    {%- elif value is number -%} {{ value }}
    {%- else -%} '{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
