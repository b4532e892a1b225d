-- Electricity use per firm and month, summed over the firm's meter accounts (户号).
with source as (
    select * from {{ source('raw', 'power_usage') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by account_no, bill_month order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

accounts as (
    select
        uscc,
        bill_month,
        account_no,
        cast(round(kwh, 2) as decimal(18, 2)) as kwh
    from ranked
    where _rank = 1
),

final as (
    select
        uscc as firm_id,
        bill_month as period_month,
        sum(kwh) as kwh,
        count(distinct account_no) as accounts
    from accounts
    group by uscc, bill_month
)

select * from final
