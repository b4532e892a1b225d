{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 电力 features per firm-month from the monthly kWh (summed over the firm's meter accounts).
-- The panel has one row per month while the firm exists, so a ROWS frame is a frame of months;
-- a month with no bill is a null, not a zero.
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

usage as (
    select * from {{ ref('stg_power__usage_monthly') }}
),

feed as (
    select min(period_month) as first_month from usage
),

joined as (
    select panel.firm_id, panel.period_month, usage.kwh
    from panel
    left join usage on panel.firm_id = usage.firm_id and panel.period_month = usage.period_month
),

windowed as (
    select
        firm_id,
        period_month,
        sum(kwh) over w_2_0 as kwh_3m,
        count(kwh) over w_2_0 as billed_3m,
        sum(kwh) over w_5_3 as kwh_prev_3m,
        count(kwh) over w_5_3 as billed_prev_3m,
        sum(kwh) over w_14_12 as kwh_3m_last_year,
        count(kwh) over w_14_12 as billed_3m_last_year,
        sum(kwh) over w_11_0 as kwh_12m,
        count(kwh) over w_11_0 as billed_12m,
        stddev_samp(kwh) over w_11_0 as kwh_sd_12m,
        count(case when kwh > 0 then 1 end) over w_11_0 as active_months_12m,
        count(*) over w_11_0 as existing_months_12m
    from joined
    window w_11_0 as (partition by firm_id order by period_month rows between 11 preceding and current row),
        w_14_12 as (partition by firm_id order by period_month rows between 14 preceding and 12 preceding),
        w_2_0 as (partition by firm_id order by period_month rows between 2 preceding and current row),
        w_5_3 as (partition by firm_id order by period_month rows between 5 preceding and 3 preceding)
),

final as (
    select
        windowed.firm_id,
        windowed.period_month,
        -- helper for sales and tax per kWh (fct_firm_indicators)
        case when billed_12m >= 6 then kwh_12m end as kwh_12m,
        case when billed_3m >= 2 and billed_3m_last_year >= 2
            then {{ safe_divide(
                'cast(kwh_3m as double) / billed_3m', 'cast(kwh_3m_last_year as double) / billed_3m_last_year'
            ) }} - 1
        end as power_yoy_3m,
        case when billed_3m >= 2 and billed_prev_3m >= 2
            then {{ safe_divide(
                'cast(kwh_3m as double) / billed_3m', 'cast(kwh_prev_3m as double) / billed_prev_3m'
            ) }} - 1
        end as power_momentum,
        case when existing_months_12m >= 3 and windowed.period_month >= feed.first_month
            then 12.0 * active_months_12m / existing_months_12m end as power_active_months_12m,
        case when billed_12m >= 6 then {{ safe_divide('kwh_sd_12m', 'cast(kwh_12m as double) / billed_12m') }} end
            as power_volatility_12m
    from windowed
    cross join feed
)

select * from final where {{ in_month_partition('period_month') }}
