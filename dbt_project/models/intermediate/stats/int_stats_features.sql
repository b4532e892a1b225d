{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 统计 features per firm-month from the above-scale monthly report (year-to-date values). As in
-- int_stats_as_of, a month reads its own report or the month before's (January has none), and
-- a year-on-year change compares with the reading 12 months earlier.
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

stats as (
    select * from {{ ref('stg_stats__industry_monthly') }}
),

feed as (
    select min(period_month) as first_month from stats
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        stats.period_month as report_month,
        stats.revenue_ytd_cny,
        stats.output_value_ytd_cny,
        stats.profit_ytd_cny,
        stats.new_product_output_ytd_cny,
        stats.energy_ytd_tce
    from panel
    left join stats on panel.firm_id = stats.firm_id and panel.period_month = stats.period_month
),

as_of as (
    select
        firm_id,
        period_month,
        {{ last_value_ignore_nulls('report_month') }} over w1 as report_month,
        {{ last_value_ignore_nulls('revenue_ytd_cny') }} over w1 as revenue_ytd_cny,
        {{ last_value_ignore_nulls('output_value_ytd_cny') }} over w1 as output_value_ytd_cny,
        {{ last_value_ignore_nulls('profit_ytd_cny') }} over w1 as profit_ytd_cny,
        {{ last_value_ignore_nulls('new_product_output_ytd_cny') }} over w1 as new_product_output_ytd_cny,
        {{ last_value_ignore_nulls('energy_ytd_tce') }} over w1 as energy_ytd_tce,
        count(report_month) over w2 as reports_3m
    from joined
    window
        w1 as (partition by firm_id order by period_month rows between 1 preceding and current row),
        w2 as (partition by firm_id order by period_month rows between 2 preceding and current row)
),

with_last_year as (
    select
        *,
        lag(revenue_ytd_cny, 12) over w as revenue_ytd_last_year_cny,
        lag(output_value_ytd_cny, 12) over w as output_value_ytd_last_year_cny,
        lag(report_month, 12) over w as report_month_last_year
    from as_of
    window w as (partition by firm_id order by period_month)
),

final as (
    select
        with_last_year.firm_id,
        with_last_year.period_month,
        -- helper for tax per energy (fct_firm_indicators): energy of the year so far, annualised
        case when energy_ytd_tce > 0 then energy_ytd_tce * 12.0 / month(report_month) end
            as energy_annualised_tce,
        -- indicators; year on year only when both readings are of the same calendar month
        case when month(report_month) = month(report_month_last_year)
            then {{ safe_divide('revenue_ytd_cny', 'revenue_ytd_last_year_cny') }} - 1
        end as stats_revenue_yoy,
        case when month(report_month) = month(report_month_last_year)
            then {{ safe_divide('output_value_ytd_cny', 'output_value_ytd_last_year_cny') }} - 1
        end as stats_output_yoy,
        {{ safe_divide('profit_ytd_cny', 'revenue_ytd_cny') }} as stats_profit_margin,
        {{ safe_divide('new_product_output_ytd_cny', 'output_value_ytd_cny') }} as new_product_share,
        {{ safe_divide('output_value_ytd_cny', 'energy_ytd_tce') }} as output_per_energy,
        case when with_last_year.period_month >= feed.first_month
            then cast(reports_3m > 0 as integer) end as is_above_scale
    from with_last_year
    cross join feed
)

select * from final where {{ in_month_partition('period_month') }}
