-- What each department recorded for a firm in a calendar year (report_year), one row per firm
-- and year any of tax, social security, statistics or customs holds a record for. Columns are
-- named as the department figures of seeds/config/annual_report_items.csv (prefill_source) and
-- crosscheck_tolerances.csv (department_source); <department>_months counts the months with a
-- record (null: none). The one place these yearly sums are taken: the annual-report features
-- (int_annual_report_as_of, int_amr_features) and the annual-report marts
-- (fct_annual_report_department_values) read them here.
with tax as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        sum(sales_cny) as tax_sales_cny,
        sum(vat_payable_cny + cit_paid_cny) as tax_paid_cny,
        count(*) as tax_months
    from {{ ref('stg_tax__declarations') }}
    group by firm_id, report_year
),

hrss as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        -- headcounts and arrears as at the year's last month with a record; contribution base
        -- and contributions paid summed over the year (as the annual report asks for them)
        max_by(pension_insured, period_month) as hrss_pension_insured,
        max_by(unemployment_insured, period_month) as hrss_unemployment_insured,
        max_by(medical_insured, period_month) as hrss_medical_insured,
        max_by(injury_insured, period_month) as hrss_injury_insured,
        max_by(maternity_insured, period_month) as hrss_maternity_insured,
        sum(contribution_base_cny) as hrss_contribution_base_cny,
        sum(contributions_paid_cny) as hrss_contributions_paid_cny,
        max_by(arrears_balance_cny, period_month) as hrss_arrears_cny,
        count(*) as hrss_months
    from {{ ref('stg_hrss__insured_monthly') }}
    group by firm_id, report_year
),

stats as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        -- year-to-date figures as at the year's last report
        max_by(revenue_ytd_cny, period_month) as stats_revenue_cny,
        max_by(profit_ytd_cny, period_month) as stats_profit_cny,
        max_by(employees, period_month) as stats_employees,
        max_by(rd_expense_ytd_cny, period_month) as stats_rd_expense_cny,
        max_by(energy_ytd_tce, period_month) as stats_energy_tce,
        count(*) as stats_months,
        max(extract(month from period_month)) = 12 as stats_has_december
    from {{ ref('stg_stats__industry_monthly') }}
    group by firm_id, report_year
),

customs as (
    select
        firm_id,
        extract(year from period_month) as report_year,
        sum(export_cny) as customs_export_cny,
        sum(import_cny) as customs_import_cny,
        count(*) as customs_months
    from {{ ref('stg_customs__trade_monthly') }}
    group by firm_id, report_year
),

firm_years as (
    select firm_id, report_year from tax
    union
    select firm_id, report_year from hrss
    union
    select firm_id, report_year from stats
    union
    select firm_id, report_year from customs
),

final as (
    select
        firm_years.firm_id,
        firm_years.report_year,
        tax.tax_sales_cny,
        tax.tax_paid_cny,
        tax.tax_months,
        hrss.hrss_pension_insured,
        hrss.hrss_unemployment_insured,
        hrss.hrss_medical_insured,
        hrss.hrss_injury_insured,
        hrss.hrss_maternity_insured,
        hrss.hrss_contribution_base_cny,
        hrss.hrss_contributions_paid_cny,
        hrss.hrss_arrears_cny,
        hrss.hrss_months,
        stats.stats_revenue_cny,
        stats.stats_profit_cny,
        stats.stats_employees,
        stats.stats_rd_expense_cny,
        stats.stats_energy_tce,
        stats.stats_months,
        stats.stats_has_december,
        customs.customs_export_cny,
        customs.customs_import_cny,
        customs.customs_months
    from firm_years
    left join tax on firm_years.firm_id = tax.firm_id and firm_years.report_year = tax.report_year
    left join hrss on firm_years.firm_id = hrss.firm_id and firm_years.report_year = hrss.report_year
    left join stats on firm_years.firm_id = stats.firm_id and firm_years.report_year = stats.report_year
    left join customs
        on firm_years.firm_id = customs.firm_id and firm_years.report_year = customs.report_year
)

select * from final
