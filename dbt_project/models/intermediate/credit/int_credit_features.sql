{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 金融办 credit features per firm-month. A firm with no row in a month the feed covers had no
-- loans outstanding, nothing overdue and no guarantees recorded that month.
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

loans as (
    select * from {{ ref('stg_credit__loans_monthly') }}
),

feed as (
    select min(period_month) as first_month from loans
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        coalesce(panel.period_month >= feed.first_month, false) as is_covered,
        coalesce(loans.loans_outstanding_cny, 0) as loans_outstanding_cny,
        coalesce(loans.overdue_cny, 0) as overdue_cny,
        coalesce(loans.guarantees_given_cny, 0) as guarantees_given_cny,
        coalesce(loans.lenders, 0) as lenders
    from panel
    cross join feed
    left join loans on panel.firm_id = loans.firm_id and panel.period_month = loans.period_month
),

windowed as (
    select
        *,
        count(case when is_covered and overdue_cny > 0 then 1 end)
            over (partition by firm_id order by period_month rows between 11 preceding and current row)
            as overdue_months_12m
    from joined
),

final as (
    select
        firm_id,
        period_month,
        -- helpers for ratios to sales (fct_firm_indicators)
        case when is_covered then loans_outstanding_cny end as loans_outstanding_cny,
        case when is_covered then guarantees_given_cny end as guarantees_given_cny,
        -- indicators
        case
            when not is_covered then null
            when overdue_cny <= 0 then 0.0
            when loans_outstanding_cny > 0 then least(overdue_cny / loans_outstanding_cny, 1.0)
            else 1.0
        end as overdue_loan_ratio,
        case when is_covered then overdue_months_12m end as overdue_months_12m,
        case when is_covered then lenders end as lender_count
    from windowed
)

select * from final where {{ in_month_partition('period_month') }}
