{#
  The annual report year last due as of `as_of_date` (a date; a month-grain model passes its
  month's end date). The report for year Y is due by 30 June of Y + 1
  (seeds/config/compliance_rules.csv, docs/compliance.md), so from 30 June of year X on the last
  due year is X - 1, before it X - 2: the year of (as_of_date + 1 day - 6 months), minus one.
  As of 2026-06-29: 2024; as of 2026-06-30 (the June month end): 2025; as of 2026-07-01: 2025.
#}
{% macro due_report_year(as_of_date) -%}
    (cast(extract(year from {{ dbt.dateadd('month', -6, dbt.dateadd('day', 1, as_of_date) | trim) | trim }}) as integer) - 1)
{%- endmacro %}
