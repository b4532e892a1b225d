{# Last day of the month that starts at month_start (a date on the first of a month). #}
{% macro month_end(month_start) -%}
    cast({{ month_start }} + interval 1 month - interval 1 day as date)
{%- endmacro %}
