{#
  Monthly partitions. Panel models (one row per firm and month) are incremental with
  delete+insert on period_month: a run with --vars '{min_month: "2025-01-01", max_month: "2025-03-01"}'
  recomputes exactly those months (reading full upstream history for look-back windows) and
  replaces them; the defaults (1900-01-01 .. 2999-12-01) cover every month. A first build or a
  --full-refresh builds every month regardless of the vars.

  Use in a panel model:
    {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month') }}
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
