{# |a - b| / the larger of the two: the gap between what a firm reported and what a department
   holds. Null when either side is missing or both are zero. #}
{% macro relative_gap(reported, recorded) -%}
    case when {{ reported }} is not null and {{ recorded }} is not null
            and greatest({{ reported }}, {{ recorded }}) > 0
        then abs(cast({{ reported }} as double) - {{ recorded }}) / greatest({{ reported }}, {{ recorded }})
    end
{%- endmacro %}
