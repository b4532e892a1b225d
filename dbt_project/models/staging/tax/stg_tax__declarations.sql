-- One declaration per taxpayer and month; a late or resent file for the same month wins.
with source as (
    select * from {{ source('raw', 'tax_declaration') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, period_start_date order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        cast(date_trunc('month', period_start_date) as date) as period_month,
        declared_date,
        {{ to_cny('sales') }} as sales_cny,
        {{ to_cny('vat_payable') }} as vat_payable_cny,
        {{ to_cny('cit_paid') }} as cit_paid_cny,
        {{ to_cny('tax_arrears') }} as tax_arrears_cny
    from ranked
    where _rank = 1
)

select * from final
