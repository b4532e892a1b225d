-- One row per firm and report year, amounts converted from 10k CNY to CNY.
with source as (
    select * from {{ source('raw', 'amr_annual_report') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, report_year order by filed_date desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        report_year,
        filed_date,
        employees,
        {{ to_cny('total_assets_10k', 10000) }} as total_assets_cny,
        {{ to_cny('owners_equity_10k', 10000) }} as owners_equity_cny,
        {{ to_cny('total_revenue_10k', 10000) }} as total_revenue_cny,
        {{ to_cny('main_revenue_10k', 10000) }} as main_revenue_cny,
        {{ to_cny('total_profit_10k', 10000) }} as total_profit_cny,
        {{ to_cny('net_profit_10k', 10000) }} as net_profit_cny,
        {{ to_cny('total_tax_10k', 10000) }} as total_tax_cny,
        {{ to_cny('total_liabilities_10k', 10000) }} as total_liabilities_cny,
        pension_insured,
        -- 多报合一 sections
        {{ to_cny('subscribed_capital_10k', 10000) }} as subscribed_capital_cny,
        {{ to_cny('paid_in_capital_10k', 10000) }} as paid_in_capital_cny,
        {{ to_cny('guarantees_given_10k', 10000) }} as guarantees_given_cny,
        case has_website_flag when '是' then true when '否' then false end as has_website,
        unemployment_insured,
        medical_insured,
        injury_insured,
        maternity_insured,
        {{ to_cny('contribution_base_10k', 10000) }} as contribution_base_cny,
        {{ to_cny('contributions_paid_10k', 10000) }} as contributions_paid_cny,
        {{ to_cny('contribution_arrears_10k', 10000) }} as contribution_arrears_cny,
        {{ to_cny('export_10k', 10000) }} as export_cny,
        {{ to_cny('import_10k', 10000) }} as import_cny,
        {{ to_cny('rd_expense_10k', 10000) }} as rd_expense_cny,
        cast(round(energy_tce, 2) as decimal(18, 2)) as energy_tce,
        case foreign_investment_flag when '是' then true when '否' then false end
            as foreign_investment,
        cast(round(fx_receipts_10k_usd * 10000, 2) as decimal(18, 2)) as fx_receipts_usd
    from ranked
    where _rank = 1
)

select * from final
