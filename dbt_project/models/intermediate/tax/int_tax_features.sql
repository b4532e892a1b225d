{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 税务 features per firm-month beyond int_tax_monthly_features: 12-month windows of declared
-- sales, VAT and income tax, arrears months, late declarations (counted in the month they were
-- filed late, so only when known) and the tax credit grade published by the month end.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

declarations as (
    select * from {{ ref('stg_tax__declarations') }}
),

grades as (
    select
        firm_id,
        assessment_year,
        published_date,
        case grade when 'A' then 5 when 'B' then 4 when 'M' then 3 when 'C' then 2 when 'D' then 1 end
            as grade_points
    from {{ ref('stg_tax__credit_grades') }}
),

grade_history as (
    select
        *,
        lag(grade_points) over w as previous_grade_points,
        lead(published_date) over w as next_published_date
    from grades
    window w as (partition by firm_id order by published_date, assessment_year)
),

late_filings as (
    -- a declaration filed after the 15th of the month following its period, by filing month
    select
        firm_id,
        cast(date_trunc('month', declared_date) as date) as period_month,
        count(*) as late_declarations
    from declarations
    where declared_date > {{ dbt.dateadd('day', 14, dbt.dateadd('month', 1, 'period_month')) }}
    group by 1, 2
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        declarations.sales_cny,
        declarations.vat_payable_cny,
        declarations.cit_paid_cny,
        declarations.tax_arrears_cny,
        coalesce(late_filings.late_declarations, 0) as late_declarations
    from panel
    left join declarations
        on panel.firm_id = declarations.firm_id and panel.period_month = declarations.period_month
    left join late_filings
        on panel.firm_id = late_filings.firm_id and panel.period_month = late_filings.period_month
),

windowed as (
    select
        firm_id,
        period_month,
        sum(sales_cny) over w_11_0 as sales_12m_cny,
        count(sales_cny) over w_11_0 as declared_12m,
        sum(sales_cny) over w_23_12 as sales_prev_12m_cny,
        count(sales_cny) over w_23_12 as declared_prev_12m,
        stddev_samp(sales_cny) over w_11_0 as sales_sd_12m_cny,
        sum(vat_payable_cny) over w_11_0 as vat_12m_cny,
        sum(cit_paid_cny) over w_11_0 as cit_12m_cny,
        count(case when tax_arrears_cny > 0 then 1 end) over w_11_0
            as arrears_months_12m,
        sum(late_declarations) over w_11_0 as late_declarations_12m
    from joined
    window w_11_0 as (partition by firm_id order by period_month rows between 11 preceding and current row),
        w_23_12 as (partition by firm_id order by period_month rows between 23 preceding and 12 preceding)
),

grade_as_of as (
    select
        panel.firm_id,
        panel.period_month,
        grade_history.grade_points,
        grade_history.previous_grade_points
    from panel
    inner join grade_history
        on panel.firm_id = grade_history.firm_id
        and grade_history.published_date <= panel.month_end_date
        and (grade_history.next_published_date is null
            or grade_history.next_published_date > panel.month_end_date)
),

final as (
    select
        windowed.firm_id,
        windowed.period_month,
        -- helper for tax per kWh, per tce and per subsidy (fct_firm_indicators)
        case when windowed.declared_12m > 0
            then coalesce(windowed.vat_12m_cny, 0) + coalesce(windowed.cit_12m_cny, 0) end as tax_paid_12m_cny,
        -- indicators
        case when windowed.declared_12m >= 9 and windowed.declared_prev_12m >= 9
            then {{ safe_divide('windowed.sales_12m_cny / windowed.declared_12m',
                'windowed.sales_prev_12m_cny / windowed.declared_prev_12m') }} - 1
        end as sales_yoy_12m,
        case when windowed.declared_12m >= 6
            then {{ safe_divide('windowed.sales_sd_12m_cny', 'windowed.sales_12m_cny / windowed.declared_12m') }}
        end as sales_volatility_12m,
        {{ safe_divide('windowed.vat_12m_cny', 'windowed.sales_12m_cny') }} as vat_burden_12m,
        {{ safe_divide('windowed.cit_12m_cny', 'windowed.sales_12m_cny') }} as cit_to_sales_12m,
        case when windowed.declared_12m > 0 then windowed.arrears_months_12m end as arrears_months_12m,
        case when windowed.declared_12m > 0 then windowed.late_declarations_12m end as late_declarations_12m,
        grade_as_of.grade_points as tax_credit_score,
        case when grade_as_of.grade_points is not null
            then cast(grade_as_of.grade_points <= 2 as integer) end as is_tax_grade_cd,
        case when grade_as_of.grade_points is not null
            then cast(coalesce(grade_as_of.grade_points < grade_as_of.previous_grade_points, false) as integer)
        end as tax_grade_downgraded
    from windowed
    left join grade_as_of
        on windowed.firm_id = grade_as_of.firm_id and windowed.period_month = grade_as_of.period_month
)

select * from final where {{ in_month_partition('period_month') }}
