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
        pension_insured
    from ranked
    where _rank = 1
)

select * from final
