{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 生态环境 features per firm-month: environmental penalties decided by the month end, those not
-- rectified by then, and fines of the last 36 months (for the ratio to sales in fct_firm_indicators).
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

penalties as (
    select * from {{ ref('stg_env__penalties') }}
),

feed as (
    select min(decision_date) as first_date from penalties
),

counts as (
    {{ panel_events('penalties', 'decision_date', {
        'env_penalties_36m':
            'count(*) filter (where penalties.decision_date >= ' ~ window_start(36) ~ ')',
        'env_unrectified_penalties':
            'count(*) filter (where penalties.rectified_date is null
                or penalties.rectified_date > panel.month_end_date)',
        'env_fines_36m_cny':
            'coalesce(sum(penalties.amount_cny) filter (
                where penalties.decision_date >= ' ~ window_start(36) ~ '), 0)',
    }) }}
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        {{ since_feed_start('counts.env_fines_36m_cny', 'feed.first_date') }} as env_fines_36m_cny,
        {{ since_feed_start('counts.env_penalties_36m', 'feed.first_date') }} as env_penalties_36m,
        {{ since_feed_start('counts.env_unrectified_penalties', 'feed.first_date') }} as env_unrectified_penalties
    from panel
    cross join feed
    left join counts on panel.firm_id = counts.firm_id and panel.period_month = counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
