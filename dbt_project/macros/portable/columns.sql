{#
  `alias.col_a, alias.col_b, ...`: every column of model `model_name`'s table except `except`, read from the
  warehouse's catalog (adapter.get_columns_in_relation) when the model runs. The portable form
  of DuckDB's `alias.* exclude (...)`. Only when the upstream table does not exist yet and dbt
  is merely compiling (the dialect lint) is it `alias.*`; a build without it is an error.
#}
{% macro columns_except(model_name, except, alias) -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set columns = catalog_columns(model_name) -%}
    {%- if columns | length == 0 -%}
        {%- if execute and flags.WHICH not in ('compile', 'parse', 'list', 'ls', 'docs') -%}
            {{ exceptions.raise_compiler_error('columns_except: ' ~ model_name ~ ' has no columns in the catalog') }}
        {%- endif -%}
        {{ alias }}.*
    {%- else -%}
        {%- for column in columns if column.name | lower not in excluded -%}
            {{ alias }}.{{ column.name }}{{ ',\n        ' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{# The catalog's columns of the warehouse table of model `model_name`; [] before it exists.
   Inside a unit test ref() names the test's fixture (whose columns are the table's) and the
   graph is not available: the table is then looked up in the project's schemas (= folders). #}
{% macro catalog_columns(model_name) -%}
    {%- set found = namespace(relation=none) -%}
    {%- if execute and graph.get('nodes') -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {%- set found.relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- endfor -%}
    {%- elif execute -%}
        {%- for schema in ['intermediate', 'marts', 'staging', 'delivery'] if found.relation is none -%}
            {%- set found.relation = adapter.get_relation(target.database, schema, model_name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(adapter.get_columns_in_relation(found.relation) if found.relation is not none else []) }}
{%- endmacro %}

{# The column names of `relation` in the catalog, lower case, in table order. #}
{% macro catalog_column_names(model_name) -%}
    {{ return(catalog_columns(model_name) | map(attribute='name') | map('lower') | list) }}
{%- endmacro %}
