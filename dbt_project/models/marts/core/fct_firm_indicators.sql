{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- The indicator table: one row per firm and month, one column per catalog indicator
-- (seeds/catalog/indicator_catalog.csv), plus peer-group keys and
-- red flags (seeds/catalog/red_flag_catalog.csv) for scoring. Everything in a row is as the
-- departments' data stood at that month's end: each int_<department>_features model is one row
-- per firm-month, so the joins below never multiply rows.
-- The departments whose int_<department>_features model is joined: every department that sends
-- a feed (macros/generated/departments.sql, written from ingest/contracts.py by make generate).
{%- set departments = feed_departments() %}

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

{%- for dept in departments %}
{{ dept }}_features as (
    select * from {{ ref('int_' ~ dept ~ '_features') }}
),
{% endfor %}
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
        -- the report year last due by the month end (due by 30 June of the next year)
        {{ due_report_year('panel.month_end_date') }} as due_report_year,
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
        court.is_dishonest_debtor,
        -- every department's features (indicators and the helpers of cross-department ratios)
        {%- for dept in departments %}
        {{ columns_except('int_' ~ dept ~ '_features', ['firm_id', 'period_month'], dept ~ '_features') }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from panel
    left join firms on panel.firm_id = firms.firm_id
    left join tax on panel.firm_id = tax.firm_id and panel.period_month = tax.period_month
    left join reports on panel.firm_id = reports.firm_id and panel.period_month = reports.period_month
    left join court on panel.firm_id = court.firm_id and panel.period_month = court.period_month
    left join stats on panel.firm_id = stats.firm_id and panel.period_month = stats.period_month
    {%- for dept in departments %}
    left join {{ dept }}_features
        on panel.firm_id = {{ dept }}_features.firm_id and panel.period_month = {{ dept }}_features.period_month
    {%- endfor %}
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

enriched as (
    -- sizing and the report due are lookups (one row per sector group; report_years is unique
    -- per firm and year), so the wide base is read once and never joined back to itself
    select
        base.*,
        case
            when base.employees is null or base.total_revenue_cny is null then '未知'
            when base.employees >= t.large_employees
                and base.total_revenue_cny / 10000 >= t.large_revenue_10k then '大型'
            when base.employees >= t.medium_employees
                and base.total_revenue_cny / 10000 >= t.medium_revenue_10k then '中型'
            when base.employees >= t.small_employees
                and base.total_revenue_cny / 10000 >= t.small_revenue_10k then '小型'
            else '微型'
        end as size_class,
        case
            when base.due_report_year < (select first_year from first_report_year) then null
            when base.founded_date > {{ year_end_date('cast(base.due_report_year as integer)') }} then null
            when report_years.firm_id is not null then 0
            else 1
        end as missing_annual_report
    from base
    left join thresholds_wide as t on base.sector_group = t.sector_group
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
        base.size_class,
        -- 经营 operations
        case when base.declared_3m >= 2 and base.declared_3m_last_year >= 2
            then {{ safe_divide('base.sales_3m_cny / base.declared_3m',
                'base.sales_3m_last_year_cny / base.declared_3m_last_year') }} - 1
        end as tax_sales_yoy,
        case when base.declared_3m >= 2 and base.declared_prev_3m >= 2
            then {{ safe_divide('base.sales_3m_cny / base.declared_3m',
                'base.sales_prev_3m_cny / base.declared_prev_3m') }} - 1
        end as tax_sales_momentum,
        case when base.existing_months_12m >= 3
            then 12.0 * base.active_months_12m / base.existing_months_12m end as active_months_12m,
        {{ safe_divide('base.employees', 'base.previous_employees') }} - 1 as employee_growth,
        base.report_revenue_growth,
        base.sales_yoy_12m,
        base.stats_revenue_yoy,
        base.stats_output_yoy,
        base.insured_yoy,
        base.power_yoy_3m,
        base.power_momentum,
        base.power_active_months_12m,
        base.export_yoy_12m,
        base.import_yoy_12m,
        base.trade_active_months_12m,
        cast(base.subsidy_programmes_36m as double) as subsidy_programmes_36m,
        -- 创新 innovation
        {{ safe_divide('base.rd_expense_ytd_cny', 'base.revenue_ytd_cny') }} as rd_intensity,
        base.report_rd_intensity,
        base.new_product_share,
        {{ safe_divide('100.0 * base.valid_patents', 'base.employees') }} as patents_per_100_staff,
        base.invention_patent_share,
        cast(base.valid_invention_patents as double) as valid_invention_patents,
        cast(base.patent_applications_12m as double) as patent_applications_12m,
        cast(base.valid_trademarks as double) as valid_trademarks,
        cast(base.is_high_tech as double) as is_high_tech,
        cast(base.is_srdi as double) as is_srdi,
        cast(base.is_tech_sme as double) as is_tech_sme,
        cast(base.certification_lapsed_12m as double) as certification_lapsed_12m,
        -- 结构 structure
        {{ safe_divide('base.total_liabilities_cny', 'base.total_assets_cny') }} as debt_to_assets,
        {{ capped_ratio('base.pension_insured', 'base.employees') }} as pension_coverage,
        {{ month_diff('base.founded_date', 'base.month_end_date') }} / cast(12 as double) as firm_age_years,
        base.registered_capital_log,
        base.paid_in_ratio,
        base.main_business_share,
        cast(base.is_above_scale as double) as is_above_scale,
        {{ capped_ratio('base.hrss_pension_insured', 'base.employees') }} as hrss_insured_coverage,
        base.insurance_completeness,
        case when base.export_12m_cny = 0 then 0.0
            else {{ safe_divide('base.export_12m_cny', 'base.sales_12m_cny') }} end as export_dependence,
        case when base.loans_outstanding_cny = 0 then 0.0
            else {{ safe_divide('base.loans_outstanding_cny', 'base.sales_12m_cny') }} end as loans_to_sales,
        case when base.subsidy_12m_cny = 0 then 0.0
            else {{ safe_divide('base.subsidy_12m_cny', 'base.sales_12m_cny') }} end as subsidy_to_sales_12m,
        -- 质效 quality and efficiency
        {{ safe_divide('base.net_profit_cny', 'base.total_revenue_cny') }} as net_profit_margin,
        {{ safe_divide('base.net_profit_cny', 'base.total_assets_cny') }} as roa,
        {{ safe_divide('base.total_revenue_cny', 'base.employees') }} as revenue_per_employee,
        {{ safe_divide('base.total_tax_cny', 'base.employees') }} as tax_per_employee,
        base.asset_turnover,
        base.report_tax_burden,
        base.vat_burden_12m,
        base.cit_to_sales_12m,
        base.stats_profit_margin,
        base.output_per_energy,
        {{ safe_divide('base.tax_paid_12m_cny', 'base.energy_annualised_tce') }} as tax_per_energy,
        base.avg_contribution_base,
        {{ safe_divide('base.sales_12m_cny', 'base.kwh_12m') }} as revenue_per_kwh,
        {{ safe_divide('base.tax_paid_12m_cny', 'base.kwh_12m') }} as tax_per_kwh,
        {{ safe_divide('base.tax_paid_12m_cny', 'base.subsidy_12m_cny') }} as tax_to_subsidy_12m,
        -- 风险 risk
        case
            when base.declared_12m = 0 or base.declared_12m is null then null
            when coalesce(base.tax_arrears_cny, 0) <= 0 then 0.0
            when base.sales_12m_cny > 0
                then cast(base.tax_arrears_cny as double) / (cast(base.sales_12m_cny as double) / base.declared_12m)
            else 1.0
        end as tax_arrears_ratio,
        cast(base.open_enforcement_cases as double) as open_enforcement_cases,
        case
            when base.open_enforcement_amount_cny <= 0 then 0.0
            when base.sales_12m_cny > 0 then cast(base.open_enforcement_amount_cny as double) / base.sales_12m_cny
            else 1.0
        end as enforcement_amount_ratio,
        {{ relative_gap('base.total_revenue_cny', 'base.tax_sales_year_cny') }} as report_tax_gap,
        cast(base.missing_annual_report as double) as missing_annual_report,
        base.report_insured_gap,
        base.report_export_gap,
        base.report_contribution_gap,
        cast(base.admin_penalties_12m as double) as admin_penalties_12m,
        cast(base.penalties_in_publicity as double) as penalties_in_publicity,
        cast(base.severe_penalties_36m as double) as severe_penalties_36m,
        cast(base.is_abnormal_listed as double) as is_abnormal_listed,
        cast(base.abnormal_listings_36m as double) as abnormal_listings_36m,
        base.sales_volatility_12m,
        cast(base.arrears_months_12m as double) as arrears_months_12m,
        cast(base.late_declarations_12m as double) as late_declarations_12m,
        cast(base.tax_credit_score as double) as tax_credit_score,
        cast(base.is_tax_grade_cd as double) as is_tax_grade_cd,
        cast(base.tax_grade_downgraded as double) as tax_grade_downgraded,
        base.contribution_paid_ratio_12m,
        base.contribution_arrears_ratio,
        cast(base.open_wage_disputes as double) as open_wage_disputes,
        cast(base.wage_disputes_12m as double) as wage_disputes_12m,
        base.wage_dispute_workers_ratio,
        base.power_volatility_12m,
        cast(base.enforcement_cases_12m as double) as enforcement_cases_12m,
        cast(base.dishonest_listings_36m as double) as dishonest_listings_36m,
        base.overdue_loan_ratio,
        cast(base.overdue_months_12m as double) as overdue_months_12m,
        case
            when base.guarantees_given_cny is null then null
            when base.guarantees_given_cny <= 0 then 0.0
            when base.sales_12m_cny > 0 then cast(base.guarantees_given_cny as double) / base.sales_12m_cny
            else 1.0
        end as guarantee_ratio,
        cast(base.lender_count as double) as lender_count,
        cast(base.patents_lapsed_12m as double) as patents_lapsed_12m,
        cast(base.certification_revoked_36m as double) as certification_revoked_36m,
        cast(base.env_penalties_36m as double) as env_penalties_36m,
        cast(base.env_unrectified_penalties as double) as env_unrectified_penalties,
        case
            when base.env_fines_36m_cny is null then null
            when base.env_fines_36m_cny <= 0 then 0.0
            when base.sales_12m_cny > 0 then cast(base.env_fines_36m_cny as double) / base.sales_12m_cny
            else 1.0
        end as env_penalty_amount_ratio,
        -- red flags (seeds/catalog/red_flag_catalog.csv)
        base.is_dishonest_debtor,
        base.is_revoked
    from enriched as base
)

select * from final where {{ in_month_partition('period_month') }}
