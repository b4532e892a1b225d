{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 海关 features per firm-month. A firm with no customs row in a month the feed covers traded
-- nothing that month (zero, not missing); growth needs a full year before the window.
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

trade as (
    select * from {{ ref('stg_customs__trade_monthly') }}
),

feed as (
    select min(period_month) as first_month from trade
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        case when panel.period_month >= feed.first_month then coalesce(trade.export_cny, 0) end as export_cny,
        case when panel.period_month >= feed.first_month then coalesce(trade.import_cny, 0) end as import_cny
    from panel
    cross join feed
    left join trade on panel.firm_id = trade.firm_id and panel.period_month = trade.period_month
),

windowed as (
    select
        firm_id,
        period_month,
        sum(export_cny) over w_11_0 as export_12m_cny,
        sum(export_cny) over w_23_12 as export_prev_12m_cny,
        sum(import_cny) over w_11_0 as import_12m_cny,
        sum(import_cny) over w_23_12 as import_prev_12m_cny,
        count(export_cny) over w_23_12 as covered_prev_12m,
        count(export_cny) over w_11_0 as covered_12m,
        count(case when export_cny > 0 or import_cny > 0 then 1 end)
            over w_11_0 as trade_months_12m,
        count(case when export_cny > 0 or import_cny > 0 then 1 end)
            over w_23_0 as trade_months_24m
    from joined
    window w_11_0 as (partition by firm_id order by period_month rows between 11 preceding and current row),
        w_23_12 as (partition by firm_id order by period_month rows between 23 preceding and 12 preceding),
        w_23_0 as (partition by firm_id order by period_month rows between 23 preceding and current row)
),

final as (
    select
        firm_id,
        period_month,
        -- helper for export dependence (fct_firm_indicators)
        case when covered_12m > 0 then export_12m_cny end as export_12m_cny,
        case when covered_prev_12m = 12
            then {{ safe_divide('export_12m_cny', 'export_prev_12m_cny') }} - 1 end as export_yoy_12m,
        case when covered_prev_12m = 12
            then {{ safe_divide('import_12m_cny', 'import_prev_12m_cny') }} - 1 end as import_yoy_12m,
        case when trade_months_24m > 0 then cast(trade_months_12m as double) end as trade_active_months_12m
    from windowed
)

select * from final where {{ in_month_partition('period_month') }}
