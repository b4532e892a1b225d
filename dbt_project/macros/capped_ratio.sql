{# A ratio capped at `cap` (a coverage, a completeness, a paid share): null when the numerator is
   missing or the denominator is missing or not positive. Never least(safe_divide(...), cap):
   DuckDB's and Spark's least() skip nulls, so a ratio that cannot be computed would read as the
   cap, e.g. a firm without an employee count as fully insured. #}
{% macro capped_ratio(numerator, denominator, cap=1.0) -%}
    case when ({{ denominator }}) > 0 and ({{ numerator }}) is not null
        then least(cast(({{ numerator }}) as double) / ({{ denominator }}), {{ cap }}) end
{%- endmacro %}
