-- What the departments already hold for each filed annual report's firm and year, one row per
-- firm, report year and department figure (source_code, named as in
-- seeds/config/annual_report_items.csv prefill_source and crosscheck_tolerances.csv
-- department_source). A figure is complete when the department's records cover the whole year:
-- every month the firm existed (tax, social security), the December year-to-date report
-- (statistics), or every month of the customs feed (customs: a firm with no row traded nothing).
{% set sources = [
    ('registry_firm_name', 'amr', 'registry', 'null'),
    ('registry_legal_form', 'amr', 'registry', 'null'),
    ('registry_industry_class', 'amr', 'registry', 'null'),
    ('registry_county_code', 'amr', 'registry', 'null'),
    ('registry_founded_date', 'amr', 'registry', 'null'),
    ('registry_status', 'amr', 'registry', 'null'),
    ('registry_registered_capital', 'amr', 'registry', 'registered_capital_cny'),
    ('tax_sales_cny', 'tax', 'tax', 'sales_cny'),
    ('tax_paid_cny', 'tax', 'tax', 'tax_paid_cny'),
    ('hrss_pension_insured', 'hrss', 'hrss', 'pension_insured'),
    ('hrss_unemployment_insured', 'hrss', 'hrss', 'unemployment_insured'),
    ('hrss_medical_insured', 'hrss', 'hrss', 'medical_insured'),
    ('hrss_injury_insured', 'hrss', 'hrss', 'injury_insured'),
    ('hrss_maternity_insured', 'hrss', 'hrss', 'maternity_insured'),
    ('hrss_contribution_base_cny', 'hrss', 'hrss', 'contribution_base_cny'),
    ('hrss_contributions_paid_cny', 'hrss', 'hrss', 'contributions_paid_cny'),
    ('hrss_arrears_cny', 'hrss', 'hrss', 'arrears_balance_cny'),
    ('stats_revenue_cny', 'stats', 'stats', 'revenue_ytd_cny'),
    ('stats_profit_cny', 'stats', 'stats', 'profit_ytd_cny'),
    ('stats_employees', 'stats', 'stats', 'employees'),
    ('stats_rd_expense_cny', 'stats', 'stats', 'rd_expense_ytd_cny'),
    ('stats_energy_tce', 'stats', 'stats', 'energy_ytd_tce'),
    ('customs_export_cny', 'customs', 'customs', 'export_cny'),
    ('customs_import_cny', 'customs', 'customs', 'import_cny'),
] %}

with reports as (
    select firm_id, report_year from {{ ref('stg_amr__annual_reports') }}
),

firms as (
    select * from {{ ref('dim_firm') }}
),

report_years as (
    select
        reports.firm_id,
        reports.report_year,
        firms.firm_id is not null as is_registered,
        firms.registered_capital_cny,
        -- months of the report year the firm existed in (all twelve unless founded that year)
        case
            when firms.founded_date is null or extract(year from firms.founded_date) < reports.report_year then 12
            when extract(year from firms.founded_date) = reports.report_year
                then 13 - extract(month from firms.founded_date)
            else 0
        end as months_expected
    from reports
    left join firms on reports.firm_id = firms.firm_id
),

tax as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        sum(sales_cny) as sales_cny,
        sum(vat_payable_cny + cit_paid_cny) as tax_paid_cny,
        count(*) as months_with_records
    from {{ ref('stg_tax__declarations') }}
    group by 1, 2
),

hrss as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        -- headcounts and arrears as at the year's last month; contribution base and
        -- contributions paid summed over the year (as the annual report asks for them)
        max_by(pension_insured, period_month) as pension_insured,
        max_by(unemployment_insured, period_month) as unemployment_insured,
        max_by(medical_insured, period_month) as medical_insured,
        max_by(injury_insured, period_month) as injury_insured,
        max_by(maternity_insured, period_month) as maternity_insured,
        sum(contribution_base_cny) as contribution_base_cny,
        sum(contributions_paid_cny) as contributions_paid_cny,
        max_by(arrears_balance_cny, period_month) as arrears_balance_cny,
        count(*) as months_with_records
    from {{ ref('stg_hrss__insured_monthly') }}
    group by 1, 2
),

stats as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        max_by(revenue_ytd_cny, period_month) as revenue_ytd_cny,
        max_by(profit_ytd_cny, period_month) as profit_ytd_cny,
        max_by(employees, period_month) as employees,
        max_by(rd_expense_ytd_cny, period_month) as rd_expense_ytd_cny,
        max_by(energy_ytd_tce, period_month) as energy_ytd_tce,
        count(*) as months_with_records,
        max(extract(month from period_month)) = 12 as has_december
    from {{ ref('stg_stats__industry_monthly') }}
    group by 1, 2
),

customs_trade as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        sum(export_cny) as export_cny,
        sum(import_cny) as import_cny,
        count(*) as months_with_records
    from {{ ref('stg_customs__trade_monthly') }}
    group by 1, 2
),

-- customs lists only firms that traded: its figures are complete for a year it covers in full
customs_feed_years as (
    select
        extract(year from period_month) as report_year,
        count(distinct period_month) = 12 as covers_year
    from {{ ref('stg_customs__trade_monthly') }}
    group by 1
),

joined as materialized (
    select
        report_years.firm_id,
        report_years.report_year,
        report_years.months_expected,
        -- registry
        case when report_years.is_registered then 1 end as registry_months,
        report_years.is_registered as registry_complete,
        report_years.registered_capital_cny,
        -- tax
        tax.months_with_records as tax_months,
        tax.months_with_records >= report_years.months_expected as tax_complete,
        tax.sales_cny,
        tax.tax_paid_cny,
        -- social security
        hrss.months_with_records as hrss_months,
        hrss.months_with_records >= report_years.months_expected as hrss_complete,
        hrss.pension_insured,
        hrss.unemployment_insured,
        hrss.medical_insured,
        hrss.injury_insured,
        hrss.maternity_insured,
        hrss.contribution_base_cny,
        hrss.contributions_paid_cny,
        hrss.arrears_balance_cny,
        -- statistics (above-scale firms)
        stats.months_with_records as stats_months,
        stats.has_december as stats_complete,
        stats.revenue_ytd_cny,
        stats.profit_ytd_cny,
        stats.employees,
        stats.rd_expense_ytd_cny,
        stats.energy_ytd_tce,
        -- customs: no row in a covered year is no trade
        coalesce(customs_trade.months_with_records, 0) as customs_months,
        coalesce(customs_feed_years.covers_year, false) as customs_complete,
        case when customs_feed_years.covers_year then coalesce(customs_trade.export_cny, 0) end as export_cny,
        case when customs_feed_years.covers_year then coalesce(customs_trade.import_cny, 0) end as import_cny
    from report_years
    left join tax on report_years.firm_id = tax.firm_id and report_years.report_year = tax.report_year
    left join hrss on report_years.firm_id = hrss.firm_id and report_years.report_year = hrss.report_year
    left join stats on report_years.firm_id = stats.firm_id and report_years.report_year = stats.report_year
    left join customs_trade
        on report_years.firm_id = customs_trade.firm_id and report_years.report_year = customs_trade.report_year
    left join customs_feed_years on report_years.report_year = customs_feed_years.report_year
),

long as (
    {%- for source_code, department, prefix, column in sources %}
    select
        firm_id,
        report_year,
        '{{ source_code }}' as source_code,
        '{{ department }}' as department,
        cast({{ column }} as double) as value,
        {{ prefix }}_months as months_with_records,
        coalesce({{ prefix }}_complete, false) as is_complete
    from joined
    where {{ prefix }}_complete is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        firm_id || '|' || cast(report_year as varchar) || '|' || source_code as department_value_id,
        firm_id,
        cast(report_year as integer) as report_year,
        source_code,
        department,
        value,
        cast(months_with_records as integer) as months_with_records,
        is_complete
    from long
)

select * from final
