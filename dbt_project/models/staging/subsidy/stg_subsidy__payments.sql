-- One row per subsidy payment (财政·经信), amount in CNY.
with source as (
    select * from {{ source('raw', 'subsidy_payment') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by payment_no order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        payment_no as payment_id,
        uscc as firm_id,
        programme,
        issuing_department,
        {{ to_cny('amount_10k', 10000) }} as amount_cny,
        paid_date
    from ranked
    where _rank = 1
)

select * from final
