{{ config(materialized='table') }}

-- How the alerts fared (反馈汇总): per agency, per rule group and overall, for every month of
-- the extracts (period_month) and over all months (period_month null), the alerts sent (new
-- or escalated), the feedback received, confirmed (属实), helped (已帮扶, counted as confirmed)
-- and not confirmed (不属实); precision = (confirmed + helped) / feedback received; alert -> help
-- conversion = helped / alerts sent. Feedback naming an alert that was never sent is counted as
-- unmatched. Months whose feedback is not yet due still count as sent without feedback.
with sent as (
    select * from {{ ref('rpt_agency_alert_rows') }}
    where state in ('new', 'escalated')
),

feedback as (
    select * from {{ ref('stg_feedback__outcomes') }}
),

groups as (
    select rule_group, {{ dbt.listagg("rule_name_zh", "' / '", "order by rule_code") }} as group_name_zh
    from {{ source('delivery', 'alert_rules') }}
    group by 1
),

agencies as (
    select * from {{ source('delivery', 'alert_agencies') }}
),

joined as (
    select
        sent.alert_id,
        sent.agency_code,
        sent.period_month,
        sent.fingerprints,
        feedback.outcome
    from sent
    left join feedback on sent.alert_id = feedback.alert_id
),

fingerprints as (
    {{ unnest_with_position(
        'joined', split_items('joined.fingerprints', "','"),
        ['alert_id', 'agency_code', 'period_month', 'fingerprints', 'outcome'], 'fingerprint', 'fingerprint_rank'
    ) }}
),

per_group as (
    select
        alert_id,
        agency_code,
        period_month,
        fingerprints,
        outcome,
        {{ dbt.split_part('fingerprint', "':'", 3) }} as rule_group
    from fingerprints
),

by_agency as (
    select
        'agency' as dimension,
        joined.agency_code as dimension_code,
        agencies.agency_name_zh as dimension_name_zh,
        joined.period_month,
        count(*) as alerts_sent,
        count(joined.outcome) as feedback_received,
        count(*) filter (where joined.outcome = 'confirmed') as confirmed,
        count(*) filter (where joined.outcome = 'helped') as helped,
        count(*) filter (where joined.outcome = 'not_confirmed') as not_confirmed
    from joined
    left join agencies on joined.agency_code = agencies.agency_code
    -- sqlfluff 4.4 cannot parse DuckDB's grouping sets (it reads `grouping` as a column)
    group by grouping sets ((1, 2, 3), (1, 2, 3, 4))  -- noqa: PRS, AM06
),

by_rule as (
    select
        'rule' as dimension,
        per_group.rule_group as dimension_code,
        groups.group_name_zh as dimension_name_zh,
        per_group.period_month,
        count(*) as alerts_sent,
        count(per_group.outcome) as feedback_received,
        count(*) filter (where per_group.outcome = 'confirmed') as confirmed,
        count(*) filter (where per_group.outcome = 'helped') as helped,
        count(*) filter (where per_group.outcome = 'not_confirmed') as not_confirmed
    from per_group
    left join groups on per_group.rule_group = groups.rule_group
    group by grouping sets ((1, 2, 3), (1, 2, 3, 4))  -- noqa: PRS, AM06
),

overall as (
    select
        'overall' as dimension,
        'all' as dimension_code,
        '全部' as dimension_name_zh,
        period_month,
        count(*) as alerts_sent,
        count(outcome) as feedback_received,
        count(*) filter (where outcome = 'confirmed') as confirmed,
        count(*) filter (where outcome = 'helped') as helped,
        count(*) filter (where outcome = 'not_confirmed') as not_confirmed
    from joined
    group by grouping sets ((1, 2, 3), (1, 2, 3, 4))  -- noqa: PRS, AM06
),

unmatched as (
    select
        'unmatched' as dimension,
        agency_code as dimension_code,
        '反馈未匹配到已推送预警' as dimension_name_zh,
        cast(null as date) as period_month,
        0 as alerts_sent,
        count(*) as feedback_received,
        count(*) filter (where outcome = 'confirmed') as confirmed,
        count(*) filter (where outcome = 'helped') as helped,
        count(*) filter (where outcome = 'not_confirmed') as not_confirmed
    from feedback
    where alert_id not in (select alert_id from sent)
    group by 1, 2, 3
),

unioned as (
    select * from by_agency
    union all
    select * from by_rule
    union all
    select * from overall
    union all
    select * from unmatched
),

final as (
    select
        *,
        (confirmed + helped) / nullif(feedback_received, 0) as precision,
        helped / nullif(alerts_sent, 0) as help_conversion,
        feedback_received / nullif(alerts_sent, 0) as response_rate
    from unioned
)

select * from final
