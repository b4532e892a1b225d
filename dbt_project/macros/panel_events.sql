{#
  The panel x events pattern of the department feature models: a department's dated events
  (penalties, cases, certificates, payments) aggregated per firm-month as they stood at the
  month's end, and nothing before the department's feed starts.

  panel_events(events, date_column, measures, months=none, group_by=[]) gives a select of
  firm_id, period_month, the `group_by` columns of `events` and one column per item of
  `measures` ({name: aggregate sql}, in order), over the rows of `events` dated by the month end
  (`date_column` <= month_end_date) and, with `months`, within the window of that many months
  ending with this month. It reads a CTE named `panel` (firm_id, period_month, month_end_date);
  `events` is a CTE or relation name. Firm-months without an event have no row.

  since_feed_start(expression, first_date, default=0) is `expression` (or `default` when the
  firm-month has no event row) from the month the feed's first event is dated, null before it:
  before a feed starts a department knows nothing, which is not the same as nothing happened.

  Use in a feature model:
    counts as (
        {{ panel_events('penalties', 'decision_date', {'env_penalties_36m': 'count(*)'}, months=36) }}
    ),
    final as (
        select panel.firm_id, panel.period_month,
            {{ since_feed_start('counts.env_penalties_36m', 'feed.first_date') }} as env_penalties_36m
        from panel cross join feed left join counts on ...
    )
#}
{% macro panel_events(events, date_column, measures, months=none, group_by=[]) -%}
    select
        panel.firm_id,
        panel.period_month,
        {%- for column in group_by %}
        {{ events }}.{{ column }},
        {%- endfor %}
        {%- for name, sql in measures.items() %}
        {{ sql }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from panel
    inner join {{ events }}
        on panel.firm_id = {{ events }}.firm_id
        and {{ events }}.{{ date_column }} <= panel.month_end_date
        {%- if months %}
        and {{ events }}.{{ date_column }} >= {{ window_start(months) }}
        {%- endif %}
    group by 1, 2{% for column in group_by %}, {{ loop.index + 2 }}{% endfor %}
{%- endmacro %}

{# First day of the window of `months` months that ends with the panel's month. #}
{% macro window_start(months, month='panel.period_month') -%}
    {{ dbt.dateadd('month', 1 - months, month) | trim }}
{%- endmacro %}

{% macro since_feed_start(expression, first_date, default=0) -%}
    case when panel.month_end_date >= {{ first_date }} then coalesce({{ expression }}, {{ default }}) end
{%- endmacro %}
