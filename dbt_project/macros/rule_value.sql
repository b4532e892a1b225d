{# A numeric parameter of seeds/config/compliance_rules.csv, as a scalar subquery. #}
{% macro rule_value(parameter) -%}
    (select cast(value as double) from {{ ref('compliance_rules') }} where parameter = '{{ parameter }}')
{%- endmacro %}
