{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- Latest above-scale monthly report as of each month (January has no report: February's
-- 1-2月 report arrives for it, so January reads December's year-to-date figures).
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

stats as (
    select * from {{ ref('stg_stats__industry_monthly') }}
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        stats.revenue_ytd_cny,
        stats.rd_expense_ytd_cny,
        stats.profit_ytd_cny,
        stats.employees
    from panel
    left join stats
        on panel.firm_id = stats.firm_id and panel.period_month = stats.period_month
),

final as (
    select
        firm_id,
        period_month,
        {{ last_value_ignore_nulls('revenue_ytd_cny') }} over w as revenue_ytd_cny,
        {{ last_value_ignore_nulls('rd_expense_ytd_cny') }} over w as rd_expense_ytd_cny,
        {{ last_value_ignore_nulls('profit_ytd_cny') }} over w as profit_ytd_cny,
        {{ last_value_ignore_nulls('employees') }} over w as employees
    from joined
    window w as (partition by firm_id order by period_month rows between 1 preceding and current row)
)

select * from final where {{ in_month_partition('period_month') }}
