{# Last day of the month that starts at month_start (a date on the first of a month). #}
{% macro month_end(month_start) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, month_start)) }} as date)
{%- endmacro %}
