-- Month-end loans, overdue and guarantees per borrowing firm (金融办), in CNY.
with source as (
    select * from {{ source('raw', 'credit_loans') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, date_trunc('month', stat_date)
            order by stat_date desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        cast(date_trunc('month', stat_date) as date) as period_month,
        {{ to_cny('loans_outstanding_10k', 10000) }} as loans_outstanding_cny,
        {{ to_cny('coalesce(overdue_10k, 0)', 10000) }} as overdue_cny,
        {{ to_cny('coalesce(guarantees_given_10k, 0)', 10000) }} as guarantees_given_cny,
        lenders
    from ranked
    where _rank = 1
)

select * from final
