{# Ratio that is null (not an error, not infinity) when the denominator is null or not positive. #}
{% macro safe_divide(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}
