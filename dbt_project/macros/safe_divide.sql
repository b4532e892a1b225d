{# Ratio that is null (not an error, not infinity) when the denominator is null or not positive.
   Both sides are parenthesised, so an expression such as 'sales / months' divides as a whole. #}
{% macro safe_divide(numerator, denominator) -%}
    case when ({{ denominator }}) > 0 then cast(({{ numerator }}) as double) / ({{ denominator }}) end
{%- endmacro %}
