{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']) }}

-- 财政·经信 features per firm-month: subsidies paid by the month end (programmes of the last
-- 36 months, amount of the last 12 months for the ratios to sales and tax in fct_firm_indicators).
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

payments as (
    select * from {{ ref('stg_subsidy__payments') }}
),

feed as (
    select min(paid_date) as first_date from payments
),

sums as (
    select
        panel.firm_id,
        panel.period_month,
        count(distinct payments.programme) as subsidy_programmes_36m,
        coalesce(sum(payments.amount_cny) filter (
            where payments.paid_date >= panel.period_month - interval 11 month), 0) as subsidy_12m_cny
    from panel
    inner join payments
        on panel.firm_id = payments.firm_id
        and payments.paid_date <= panel.month_end_date
        and payments.paid_date >= panel.period_month - interval 35 month
    group by 1, 2
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        case when panel.month_end_date >= feed.first_date
            then coalesce(sums.subsidy_12m_cny, 0) end as subsidy_12m_cny,
        case when panel.month_end_date >= feed.first_date
            then coalesce(sums.subsidy_programmes_36m, 0) end as subsidy_programmes_36m
    from panel
    cross join feed
    left join sums on panel.firm_id = sums.firm_id and panel.period_month = sums.period_month
)

select * from final where {{ in_month_partition('period_month') }}
