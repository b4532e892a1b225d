{# Whole months from the month of `start_date` to the month of `end_date` (same month = 0). #}
{% macro month_diff(start_date, end_date) -%}
    ((extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 12
        + extract(month from {{ end_date }}) - extract(month from {{ start_date }}))
{%- endmacro %}
