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
    ('tax_sales_cny', 'tax', 'tax', 'tax_sales_cny'),
    ('tax_paid_cny', 'tax', 'tax', 'tax_paid_cny'),
    ('hrss_pension_insured', 'hrss', 'hrss', 'hrss_pension_insured'),
    ('hrss_unemployment_insured', 'hrss', 'hrss', 'hrss_unemployment_insured'),
    ('hrss_medical_insured', 'hrss', 'hrss', 'hrss_medical_insured'),
    ('hrss_injury_insured', 'hrss', 'hrss', 'hrss_injury_insured'),
    ('hrss_maternity_insured', 'hrss', 'hrss', 'hrss_maternity_insured'),
    ('hrss_contribution_base_cny', 'hrss', 'hrss', 'hrss_contribution_base_cny'),
    ('hrss_contributions_paid_cny', 'hrss', 'hrss', 'hrss_contributions_paid_cny'),
    ('hrss_arrears_cny', 'hrss', 'hrss', 'hrss_arrears_cny'),
    ('stats_revenue_cny', 'stats', 'stats', 'stats_revenue_cny'),
    ('stats_profit_cny', 'stats', 'stats', 'stats_profit_cny'),
    ('stats_employees', 'stats', 'stats', 'stats_employees'),
    ('stats_rd_expense_cny', 'stats', 'stats', 'stats_rd_expense_cny'),
    ('stats_energy_tce', 'stats', 'stats', 'stats_energy_tce'),
    ('customs_export_cny', 'customs', 'customs', 'customs_export_cny'),
    ('customs_import_cny', 'customs', 'customs', 'customs_import_cny'),
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

department_years as (
    -- each department's figures for the firm and year (int_department_years)
    select * from {{ ref('int_department_years') }}
),

-- customs lists only firms that traded: its figures are complete for a year it covers in full
customs_feed_years as (
    select
        extract(year from period_month) as report_year,
        count(distinct period_month) = 12 as covers_year
    from {{ ref('stg_customs__trade_monthly') }}
    group by 1
),

joined as {{ materialized_cte() }} (
    select
        report_years.firm_id,
        report_years.report_year,
        report_years.months_expected,
        -- registry
        case when report_years.is_registered then 1 end as registry_months,
        report_years.is_registered as registry_complete,
        report_years.registered_capital_cny,
        -- tax
        department_years.tax_months,
        department_years.tax_months >= report_years.months_expected as tax_complete,
        department_years.tax_sales_cny,
        department_years.tax_paid_cny,
        -- social security
        department_years.hrss_months,
        department_years.hrss_months >= report_years.months_expected as hrss_complete,
        department_years.hrss_pension_insured,
        department_years.hrss_unemployment_insured,
        department_years.hrss_medical_insured,
        department_years.hrss_injury_insured,
        department_years.hrss_maternity_insured,
        department_years.hrss_contribution_base_cny,
        department_years.hrss_contributions_paid_cny,
        department_years.hrss_arrears_cny,
        -- statistics (above-scale firms)
        department_years.stats_months,
        department_years.stats_has_december as stats_complete,
        department_years.stats_revenue_cny,
        department_years.stats_profit_cny,
        department_years.stats_employees,
        department_years.stats_rd_expense_cny,
        department_years.stats_energy_tce,
        -- customs: no row in a covered year is no trade
        coalesce(department_years.customs_months, 0) as customs_months,
        coalesce(customs_feed_years.covers_year, false) as customs_complete,
        case when customs_feed_years.covers_year
            then coalesce(department_years.customs_export_cny, 0) end as customs_export_cny,
        case when customs_feed_years.covers_year
            then coalesce(department_years.customs_import_cny, 0) end as customs_import_cny
    from report_years
    left join department_years
        on report_years.firm_id = department_years.firm_id
        and report_years.report_year = department_years.report_year
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
        firm_id || '|' || cast(report_year as {{ dbt.type_string() }}) || '|' || source_code as department_value_id,
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
