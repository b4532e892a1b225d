{#
  dbt.listagg on Spark, with its order: dbt-spark's own spark__listagg drops `order by` (with a
  warning), so texts such as '规则A、规则B' would come out in whatever order Spark collected the
  rows. Spark 4's listagg ... within group (order by ...) keeps it; `measure` may start with
  `distinct` (then the order is by the measure, as SQL requires).
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error('listagg: limit_num is not used in this project') }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{#
  The distinct values of `measure` over the rows where `condition` holds, sorted and joined by
  `delimiter`; null when there are none. DuckDB: string_agg(distinct ...) filter (...). Spark
  4.3 fails to plan listagg(distinct ...) beside other filtered aggregates (a ClassCastException
  in RewriteDistinctAggregates), so it collects the set instead.
#}
{% macro listagg_distinct(measure, delimiter, condition) -%}
    {{ return(adapter.dispatch('listagg_distinct')(measure, delimiter, condition)) }}
{%- endmacro %}
{% macro duckdb__listagg_distinct(measure, delimiter, condition) -%}
    {{ dbt.listagg('distinct ' ~ measure, delimiter, 'order by ' ~ measure) }} filter (where {{ condition }})
{%- endmacro %}
{% macro default__listagg_distinct(measure, delimiter, condition) -%}
    case when count(case when {{ condition }} then {{ measure }} end) > 0
        then array_join(array_sort(collect_set(case when {{ condition }} then {{ measure }} end)), {{ delimiter }})
    end
{%- endmacro %}
