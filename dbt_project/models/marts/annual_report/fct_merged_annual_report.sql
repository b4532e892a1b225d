-- 多报合一: one merged annual report per firm and report year serving market supervision, tax,
-- customs, commerce, FX, social security and statistics. Each data item appears once (its
-- authoritative department is in seeds/config/annual_report_items.csv); basic information comes
-- from the registry, the rest as the firm declared it, with the prefill and savings summary of
-- fct_annual_report_prefill. Item-level detail: fct_annual_report_items.
with reports as (
    select * from {{ ref('stg_amr__annual_reports') }}
),

firms as (
    select * from {{ ref('dim_firm') }}
),

prefill as (
    select * from {{ ref('fct_annual_report_prefill') }}
),

final as (
    select
        reports.firm_id || '|' || cast(reports.report_year as {{ dbt.type_string() }}) as report_id,
        reports.firm_id,
        cast(reports.report_year as integer) as report_year,
        reports.filed_date,
        -- 企业基本信息 (registry, 市场监管)
        firms.firm_name,
        firms.legal_form,
        firms.industry_class_code,
        firms.county_code,
        firms.founded_date,
        firms.registration_status,
        reports.has_website,
        reports.employees,
        -- 股东及出资信息 (市场监管, 商务, 外汇)
        reports.subscribed_capital_cny,
        reports.paid_in_capital_cny,
        reports.guarantees_given_cny,
        -- 资产状况信息 (税务, 统计)
        reports.total_assets_cny,
        reports.owners_equity_cny,
        reports.total_revenue_cny,
        reports.main_revenue_cny,
        reports.total_profit_cny,
        reports.net_profit_cny,
        reports.total_tax_cny,
        reports.total_liabilities_cny,
        -- 社保信息 (人社)
        reports.pension_insured,
        reports.unemployment_insured,
        reports.medical_insured,
        reports.injury_insured,
        reports.maternity_insured,
        reports.contribution_base_cny,
        reports.contributions_paid_cny,
        reports.contribution_arrears_cny,
        -- 海关报关信息 (海关)
        reports.export_cny,
        reports.import_cny,
        -- 商务信息, 外汇信息
        reports.foreign_investment,
        reports.fx_receipts_usd,
        -- 统计信息
        reports.rd_expense_cny,
        reports.energy_tce,
        -- what the merge saves
        prefill.items_applicable,
        prefill.items_prefilled,
        prefill.entries_to_type,
        prefill.entries_filed_separately,
        prefill.duplicate_entries_removed,
        prefill.entries_saved
    from reports
    left join firms on reports.firm_id = firms.firm_id
    left join prefill on reports.firm_id = prefill.firm_id and reports.report_year = prefill.report_year
)

select * from final
