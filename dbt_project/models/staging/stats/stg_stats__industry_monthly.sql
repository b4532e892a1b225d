-- Above-scale firms' monthly report; values stay year-to-date (as the bureau reports them), in CNY.
with source as (
    select * from {{ source('raw', 'stats_industry_monthly') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, report_month order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        report_month as period_month,
        {{ to_cny('revenue_ytd_k', 1000) }} as revenue_ytd_cny,
        {{ to_cny('output_value_ytd_k', 1000) }} as output_value_ytd_cny,
        {{ to_cny('profit_ytd_k', 1000) }} as profit_ytd_cny,
        {{ to_cny('rd_expense_ytd_k', 1000) }} as rd_expense_ytd_cny,
        employees,
        {{ to_cny('new_product_output_ytd_k', 1000) }} as new_product_output_ytd_cny,
        cast(round(energy_ytd_tce, 2) as decimal(18, 2)) as energy_ytd_tce
    from ranked
    where _rank = 1
)

select * from final
