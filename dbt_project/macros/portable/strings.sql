{#
  String and array functions that have no common spelling on DuckDB, Spark and Trino
  (docs/spark.md). DuckDB keeps the exact SQL it had; `default__` is the Spark / Trino form.
#}

{# The items of an array joined by `delimiter` (nulls skipped). #}
{% macro array_to_text(array, delimiter) -%}
    {{ return(adapter.dispatch('array_to_text')(array, delimiter)) }}
{%- endmacro %}
{% macro duckdb__array_to_text(array, delimiter) -%}
    array_to_string({{ array }}, {{ delimiter }})
{%- endmacro %}
{% macro default__array_to_text(array, delimiter) -%}
    array_join({{ array }}, {{ delimiter }})
{%- endmacro %}

{# The distinct items of a `delimiter`-separated text, sorted, joined by `delimiter` again
   ('b、a、b' -> 'a、b'); null stays null. `delimiter` is a literal that is not a regex
   metacharacter (Spark's split takes a pattern). #}
{% macro sorted_distinct_items(text, delimiter) -%}
    {{ return(adapter.dispatch('sorted_distinct_items')(text, delimiter)) }}
{%- endmacro %}
{% macro duckdb__sorted_distinct_items(text, delimiter) -%}
    array_to_string(list_sort(list_distinct(string_split({{ text }}, {{ delimiter }}))), {{ delimiter }})
{%- endmacro %}
{% macro default__sorted_distinct_items(text, delimiter) -%}
    array_join(array_sort(array_distinct(split({{ text }}, {{ delimiter }}))), {{ delimiter }})
{%- endmacro %}

{# How many `delimiter`-separated items a text has ('a;b' -> 2, '' -> 1, null -> null): the
   same on every engine, no arrays needed. #}
{% macro count_items(text, delimiter) -%}
    (length({{ text }}) - length(replace({{ text }}, {{ delimiter }}, '')) + 1)
{%- endmacro %}

{# A date as text in the month format `yyyymm` or `yyyy-mm` (with_dash). #}
{% macro month_label(date, with_dash=false) -%}
    {{ return(adapter.dispatch('month_label')(date, with_dash)) }}
{%- endmacro %}
{% macro duckdb__month_label(date, with_dash) -%}
    strftime({{ date }}, '{{ "%Y-%m" if with_dash else "%Y%m" }}')
{%- endmacro %}
{% macro default__month_label(date, with_dash) -%}
    date_format({{ date }}, '{{ "yyyy-MM" if with_dash else "yyyyMM" }}')
{%- endmacro %}

{# 31 December of a year (an integer expression). #}
{% macro year_end_date(year) -%}
    {{ return(adapter.dispatch('year_end_date')(year)) }}
{%- endmacro %}
{% macro default__year_end_date(year) -%}
    make_date({{ year }}, 12, 31)
{%- endmacro %}

{# A `delimiter`-separated text as an array of its items. #}
{% macro split_items(text, delimiter) -%}
    {{ return(adapter.dispatch('split_items')(text, delimiter)) }}
{%- endmacro %}
{% macro duckdb__split_items(text, delimiter) -%}
    string_split({{ text }}, {{ delimiter }})
{%- endmacro %}
{% macro default__split_items(text, delimiter) -%}
    split({{ text }}, {{ delimiter }})
{%- endmacro %}

{# The last non-null value of `expression` in the window frame: DuckDB takes `ignore nulls`
   inside the parentheses, Spark and Trino after them. #}
{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls')(expression)) }}
{%- endmacro %}
{% macro duckdb__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}
{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}) ignore nulls
{%- endmacro %}

{# `with x as materialized (...)`: DuckDB computes the CTE once (a plan hint, same result);
   Spark has no such hint and plans the CTE itself. #}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}
{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
{% macro default__materialized_cte() -%}
{%- endmacro %}
