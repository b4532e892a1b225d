{# Chinese name of a department code (docs/departments.md), for labels officials read. #}
{% macro department_zh(code) -%}
    case {{ code }}
        when 'amr' then '市场监管'
        when 'tax' then '税务'
        when 'customs' then '海关'
        when 'commerce' then '商务'
        when 'fx' then '外汇'
        when 'hrss' then '人社'
        when 'stats' then '统计'
        when 'power' then '电力'
        else {{ code }}
    end
{%- endmacro %}
