{# Amount as exact CNY (cents): decimal sums are the same whatever order DuckDB adds them in,
   so a rerun reproduces every table bit for bit. `unit` converts 万元 (10000) or 千元 (1000). #}
{% macro to_cny(column, unit=1) -%}
    cast(round({{ column }} * {{ unit }}, 2) as decimal(18, 2))
{%- endmacro %}
