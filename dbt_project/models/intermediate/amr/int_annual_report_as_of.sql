{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- For each firm-month, the latest annual report filed by the month's end (point in time), with
-- the previous year's employees for growth and tax-declared sales of the report year for the gap.
with reports as (
    select
        *,
        lag(employees) over (partition by firm_id order by report_year) as previous_employees,
        lead(filed_date) over (partition by firm_id order by filed_date, report_year) as next_filed_date
    from {{ ref('stg_amr__annual_reports') }}
),

tax_years as (
    select firm_id, report_year, tax_sales_cny, tax_months as declared_months
    from {{ ref('int_department_years') }}
),

panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        reports.report_year,
        reports.filed_date,
        reports.employees,
        reports.previous_employees,
        reports.total_assets_cny,
        reports.total_liabilities_cny,
        reports.total_revenue_cny,
        reports.net_profit_cny,
        reports.total_tax_cny,
        reports.pension_insured,
        -- annualised so a missed declaration month is not read as a gap
        case when tax_years.declared_months >= 9
            then tax_years.tax_sales_cny * 12.0 / tax_years.declared_months end as tax_sales_year_cny
    from panel
    inner join reports
        on panel.firm_id = reports.firm_id
        and reports.filed_date <= panel.month_end_date
        and (reports.next_filed_date is null or reports.next_filed_date > panel.month_end_date)
    left join tax_years
        on reports.firm_id = tax_years.firm_id
        and reports.report_year = tax_years.report_year
)

select * from final where {{ in_month_partition('period_month') }}
