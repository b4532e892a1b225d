{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- Tax-declaration windows per firm-month. The panel has one row per month while the firm exists,
-- so a ROWS frame is a frame of calendar months; a month with no declaration is a null, not a zero.
with panel as (
    select firm_id, period_month from {{ ref('int_firm_months') }}
),

declarations as (
    select * from {{ ref('stg_tax__declarations') }}
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        declarations.sales_cny,
        declarations.tax_arrears_cny
    from panel
    left join declarations
        on panel.firm_id = declarations.firm_id
        and panel.period_month = declarations.period_month
),

windowed as (
    select
        firm_id,
        period_month,
        sales_cny,
        sum(sales_cny) over w_2_0 as sales_3m_cny,
        count(sales_cny) over w_2_0 as declared_3m,
        sum(sales_cny) over w_5_3 as sales_prev_3m_cny,
        count(sales_cny) over w_5_3 as declared_prev_3m,
        sum(sales_cny) over w_14_12 as sales_3m_last_year_cny,
        count(sales_cny) over w_14_12 as declared_3m_last_year,
        sum(sales_cny) over w_11_0 as sales_12m_cny,
        count(sales_cny) over w_11_0 as declared_12m,
        count(case when sales_cny > 0 then 1 end) over w_11_0
            as active_months_12m,
        count(*) over w_11_0 as existing_months_12m,
        {{ last_value_ignore_nulls('tax_arrears_cny') }} over w_2_0 as tax_arrears_cny
    from joined
    window w_11_0 as (partition by firm_id order by period_month rows between 11 preceding and current row),
        w_14_12 as (partition by firm_id order by period_month rows between 14 preceding and 12 preceding),
        w_2_0 as (partition by firm_id order by period_month rows between 2 preceding and current row),
        w_5_3 as (partition by firm_id order by period_month rows between 5 preceding and 3 preceding)
)

select * from windowed where {{ in_month_partition('period_month') }}
