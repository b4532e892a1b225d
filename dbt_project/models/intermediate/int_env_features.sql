{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']) }}

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
    select
        panel.firm_id,
        panel.period_month,
        count(*) filter (where penalties.decision_date >= panel.period_month - interval 35 month)
            as env_penalties_36m,
        count(*) filter (where penalties.rectified_date is null
            or penalties.rectified_date > panel.month_end_date) as env_unrectified_penalties,
        coalesce(sum(penalties.amount_cny) filter (
            where penalties.decision_date >= panel.period_month - interval 35 month), 0) as env_fines_36m_cny
    from panel
    inner join penalties
        on panel.firm_id = penalties.firm_id
        and penalties.decision_date <= panel.month_end_date
    group by 1, 2
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.env_fines_36m_cny, 0) end as env_fines_36m_cny,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.env_penalties_36m, 0) end as env_penalties_36m,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.env_unrectified_penalties, 0) end as env_unrectified_penalties
    from panel
    cross join feed
    left join counts on panel.firm_id = counts.firm_id and panel.period_month = counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
