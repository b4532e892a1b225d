-- The indicator table: one row per firm and month, one column per catalog indicator
-- (seeds/catalog/indicator_catalog.csv), plus peer-group keys and red flags for scoring.
-- Everything in a row is as the departments' data stood at that month's end.
with panel as (
    select * from {{ ref('int_firm_months') }}
),

firms as (
    select firm_id, industry_division_code, industry_section_code from {{ ref('dim_firm') }}
),

tax as (
    select * from {{ ref('int_tax_monthly_features') }}
),

reports as (
    select * from {{ ref('int_annual_report_as_of') }}
),

court as (
    select * from {{ ref('int_court_credit_as_of') }}
),

stats as (
    select * from {{ ref('int_stats_as_of') }}
),

thresholds as (
    select * from {{ ref('ref_size_thresholds') }}
),

report_years as (
    select firm_id, report_year, filed_date from {{ ref('stg_amr__annual_reports') }}
),

first_report_year as (
    select min(report_year) as first_year from report_years
),

base as (
    select
        panel.firm_id,
        panel.period_month,
        panel.month_end_date,
        panel.founded_date,
        panel.is_revoked,
        firms.industry_division_code as industry_division,
        firms.industry_section_code as industry_section,
        case
            when firms.industry_section_code in ('B', 'C', 'D') then 'industry'
            when firms.industry_division_code = '51' then 'wholesale'
            when firms.industry_division_code = '52' then 'retail'
            else 'other'
        end as sector_group,
        -- the report year last due (reports are due by 30 June of the next year)
        case when month(panel.period_month) >= 7 then year(panel.period_month) - 1
            else year(panel.period_month) - 2 end as due_report_year,
        tax.sales_3m_cny,
        tax.declared_3m,
        tax.sales_prev_3m_cny,
        tax.declared_prev_3m,
        tax.sales_3m_last_year_cny,
        tax.declared_3m_last_year,
        tax.sales_12m_cny,
        tax.declared_12m,
        tax.active_months_12m,
        tax.existing_months_12m,
        tax.tax_arrears_cny,
        reports.employees,
        reports.previous_employees,
        reports.total_assets_cny,
        reports.total_liabilities_cny,
        reports.total_revenue_cny,
        reports.net_profit_cny,
        reports.total_tax_cny,
        reports.pension_insured,
        reports.tax_sales_year_cny,
        stats.revenue_ytd_cny,
        stats.rd_expense_ytd_cny,
        court.open_enforcement_cases,
        court.open_enforcement_amount_cny,
        court.is_dishonest_debtor
    from panel
    left join firms on panel.firm_id = firms.firm_id
    left join tax on panel.firm_id = tax.firm_id and panel.period_month = tax.period_month
    left join reports on panel.firm_id = reports.firm_id and panel.period_month = reports.period_month
    left join court on panel.firm_id = court.firm_id and panel.period_month = court.period_month
    left join stats on panel.firm_id = stats.firm_id and panel.period_month = stats.period_month
),

thresholds_wide as (
    -- one row per sector group, so sizing a firm-month is a lookup, not a join and group by
    select
        sector_group,
        max(case when size_class = '大型' then min_employees end) as large_employees,
        max(case when size_class = '大型' then min_revenue_10k end) as large_revenue_10k,
        max(case when size_class = '中型' then min_employees end) as medium_employees,
        max(case when size_class = '中型' then min_revenue_10k end) as medium_revenue_10k,
        max(case when size_class = '小型' then min_employees end) as small_employees,
        max(case when size_class = '小型' then min_revenue_10k end) as small_revenue_10k
    from thresholds
    group by 1
),

sized as (
    select
        base.firm_id,
        base.period_month,
        case
            when base.employees is null or base.total_revenue_cny is null then '未知'
            when base.employees >= t.large_employees
                and base.total_revenue_cny / 10000 >= t.large_revenue_10k then '大型'
            when base.employees >= t.medium_employees
                and base.total_revenue_cny / 10000 >= t.medium_revenue_10k then '中型'
            when base.employees >= t.small_employees
                and base.total_revenue_cny / 10000 >= t.small_revenue_10k then '小型'
            else '微型'
        end as size_class
    from base
    left join thresholds_wide as t on base.sector_group = t.sector_group
),

missing_reports as (
    -- report_years is unique per firm and year, so this is a lookup, not an aggregation
    select
        base.firm_id,
        base.period_month,
        case
            when base.due_report_year < (select first_year from first_report_year) then null
            when base.founded_date > make_date(cast(base.due_report_year as integer), 12, 31) then null
            when report_years.firm_id is not null then 0
            else 1
        end as missing_annual_report
    from base
    left join report_years
        on base.firm_id = report_years.firm_id
        and report_years.report_year = base.due_report_year
        and report_years.filed_date <= base.month_end_date
),

final as (
    select
        base.firm_id,
        base.period_month,
        base.industry_division,
        base.industry_section,
        sized.size_class,
        -- 经营 operations
        case when base.declared_3m >= 2 and base.declared_3m_last_year >= 2
            then {{ safe_divide('base.sales_3m_cny / base.declared_3m', 'base.sales_3m_last_year_cny / base.declared_3m_last_year') }} - 1
        end as tax_sales_yoy,
        case when base.declared_3m >= 2 and base.declared_prev_3m >= 2
            then {{ safe_divide('base.sales_3m_cny / base.declared_3m', 'base.sales_prev_3m_cny / base.declared_prev_3m') }} - 1
        end as tax_sales_momentum,
        case when base.existing_months_12m >= 3
            then 12.0 * base.active_months_12m / base.existing_months_12m end as active_months_12m,
        {{ safe_divide('base.employees', 'base.previous_employees') }} - 1 as employee_growth,
        -- 创新 innovation
        {{ safe_divide('base.rd_expense_ytd_cny', 'base.revenue_ytd_cny') }} as rd_intensity,
        -- 结构 structure
        {{ safe_divide('base.total_liabilities_cny', 'base.total_assets_cny') }} as debt_to_assets,
        least({{ safe_divide('base.pension_insured', 'base.employees') }}, 1.0) as pension_coverage,
        date_diff('month', base.founded_date, base.month_end_date) / 12.0 as firm_age_years,
        -- 质效 quality and efficiency
        {{ safe_divide('base.net_profit_cny', 'base.total_revenue_cny') }} as net_profit_margin,
        {{ safe_divide('base.net_profit_cny', 'base.total_assets_cny') }} as roa,
        {{ safe_divide('base.total_revenue_cny', 'base.employees') }} as revenue_per_employee,
        {{ safe_divide('base.total_tax_cny', 'base.employees') }} as tax_per_employee,
        -- 风险 risk
        case
            when base.declared_12m = 0 or base.declared_12m is null then null
            when coalesce(base.tax_arrears_cny, 0) <= 0 then 0.0
            when base.sales_12m_cny > 0
                then base.tax_arrears_cny / (base.sales_12m_cny / base.declared_12m)
            else 1.0
        end as tax_arrears_ratio,
        cast(base.open_enforcement_cases as double) as open_enforcement_cases,
        case
            when base.open_enforcement_amount_cny <= 0 then 0.0
            when base.sales_12m_cny > 0 then base.open_enforcement_amount_cny / base.sales_12m_cny
            else 1.0
        end as enforcement_amount_ratio,
        case when base.total_revenue_cny is not null and base.tax_sales_year_cny is not null
                and greatest(base.total_revenue_cny, base.tax_sales_year_cny) > 0
            then abs(base.total_revenue_cny - base.tax_sales_year_cny)
                / greatest(base.total_revenue_cny, base.tax_sales_year_cny)
        end as report_tax_gap,
        cast(missing_reports.missing_annual_report as double) as missing_annual_report,
        -- red flags
        base.is_dishonest_debtor,
        base.is_revoked
    from base
    inner join sized on base.firm_id = sized.firm_id and base.period_month = sized.period_month
    inner join missing_reports
        on base.firm_id = missing_reports.firm_id and base.period_month = missing_reports.period_month
)

select * from final
