{#
  One row per item of an array column, with the item's 1-based position: a complete select over
  `relation` (a CTE name) giving `columns`, then `value_name` and `position_name`. Rows whose
  array is null or empty give no row. `where` filters the rows of `relation` first.

  DuckDB: unnest beside unnest(generate_series(...)); Spark: lateral view posexplode;
  Trino and the rest: cross join unnest ... with ordinality.
#}
{% macro unnest_with_position(relation, array, columns, value_name, position_name, where=none) -%}
    {{ return(adapter.dispatch('unnest_with_position')(relation, array, columns, value_name, position_name, where)) }}
{%- endmacro %}

{% macro duckdb__unnest_with_position(relation, array, columns, value_name, position_name, where) -%}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        unnest({{ array }}) as {{ value_name }},
        unnest(generate_series(1, len({{ array }}))) as {{ position_name }}
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}

{% macro spark__unnest_with_position(relation, array, columns, value_name, position_name, where) -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        exploded.item as {{ value_name }},
        exploded.item_index + 1 as {{ position_name }}
    from {{ relation }}
    lateral view posexplode({{ array }}) exploded as item_index, item
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}

{% macro default__unnest_with_position(relation, array, columns, value_name, position_name, where) -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        exploded.item as {{ value_name }},
        exploded.item_index as {{ position_name }}
    from {{ relation }}
    cross join unnest({{ array }}) with ordinality as exploded (item, item_index)
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}

{# The 0..9999 integers as a CTE body (`n`): month series and positions without generate_series. #}
{% macro integers_below_10000() -%}
    select ones.n + 10 * tens.n + 100 * hundreds.n + 1000 * thousands.n as n
    from {{ digits() }} as ones
    cross join {{ digits() }} as tens
    cross join {{ digits() }} as hundreds
    cross join {{ digits() }} as thousands
{%- endmacro %}

{% macro digits() -%}
    (select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
{%- endmacro %}
