{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

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
    {{ panel_events('payments', 'paid_date', {
        'subsidy_programmes_36m': 'count(distinct payments.programme)',
        'subsidy_12m_cny':
            'coalesce(sum(payments.amount_cny) filter (where payments.paid_date >= ' ~ window_start(12) ~ '), 0)',
    }, months=36) }}
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        {{ since_feed_start('sums.subsidy_12m_cny', 'feed.first_date') }} as subsidy_12m_cny,
        {{ since_feed_start('sums.subsidy_programmes_36m', 'feed.first_date') }} as subsidy_programmes_36m
    from panel
    cross join feed
    left join sums on panel.firm_id = sums.firm_id and panel.period_month = sums.period_month
)

select * from final where {{ in_month_partition('period_month') }}
