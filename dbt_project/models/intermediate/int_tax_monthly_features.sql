{{ config(
    materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']
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
        sum(sales_cny) over (w rows between 2 preceding and current row) as sales_3m_cny,
        count(sales_cny) over (w rows between 2 preceding and current row) as declared_3m,
        sum(sales_cny) over (w rows between 5 preceding and 3 preceding) as sales_prev_3m_cny,
        count(sales_cny) over (w rows between 5 preceding and 3 preceding) as declared_prev_3m,
        sum(sales_cny) over (w rows between 14 preceding and 12 preceding) as sales_3m_last_year_cny,
        count(sales_cny) over (w rows between 14 preceding and 12 preceding) as declared_3m_last_year,
        sum(sales_cny) over (w rows between 11 preceding and current row) as sales_12m_cny,
        count(sales_cny) over (w rows between 11 preceding and current row) as declared_12m,
        count(case when sales_cny > 0 then 1 end) over (w rows between 11 preceding and current row)
            as active_months_12m,
        count(*) over (w rows between 11 preceding and current row) as existing_months_12m,
        last_value(tax_arrears_cny ignore nulls) over (w rows between 2 preceding and current row) as tax_arrears_cny
    from joined
    window w as (partition by firm_id order by period_month)
)

select * from windowed where {{ in_month_partition('period_month') }}
