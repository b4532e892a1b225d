{#
  智联查: is a declared figure consistent with the department's? The allowed gap is the larger of
  the absolute tolerance and the relative tolerance times the department's figure.
  comparison 'two_sided': |declared - department| <= allowed.
  comparison 'at_least':   declared >= department - allowed (e.g. employees at least the insured).
  Null when either figure is null (nothing to compare).
#}
{% macro within_tolerance(declared, department, relative, absolute, comparison) -%}
    case
        when {{ declared }} is null or {{ department }} is null then null
        when {{ comparison }} = 'at_least'
            then {{ declared }} >= {{ department }} - greatest({{ absolute }}, {{ relative }} * abs({{ department }}))
        else abs({{ declared }} - {{ department }}) <= greatest({{ absolute }}, {{ relative }} * abs({{ department }}))
    end
{%- endmacro %}
