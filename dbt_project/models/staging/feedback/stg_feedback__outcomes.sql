-- One outcome per alert an agency was sent (预警处置反馈), CSV and Excel returns together; a later
-- delivery of the same alert's outcome replaces the earlier one.
{%- set columns = 'alert_id, uscc, outcome_zh, handled_date, note, _line, _file, _delivery' %}
with unioned as (
    select {{ columns }}, 'csv' as _format from {{ source('raw', 'agency_feedback_csv') }}
    union all
    select {{ columns }}, 'xlsx' as _format from {{ source('raw', 'agency_feedback_xlsx') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by alert_id order by _delivery desc, _file desc, _line desc
        ) as _rank
    from unioned
),

final as (
    select
        alert_id,
        split_part(alert_id, '-', 1) as agency_code,
        uscc as firm_id,
        case outcome_zh when '属实' then 'confirmed' when '不属实' then 'not_confirmed'
            else 'helped' end as outcome,
        outcome_zh,
        handled_date,
        note,
        _file as source_file,
        _format as source_format
    from ranked
    where _rank = 1
)

select * from final
