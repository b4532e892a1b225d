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
