-- One row per environmental penalty, with its rectification date once the firm has rectified.
with source as (
    select * from {{ source('raw', 'env_penalty') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by penalty_no
            order by (rectified_date is not null) desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        penalty_no as penalty_id,
        uscc as firm_id,
        decision_date,
        violation,
        {{ to_cny('amount') }} as amount_cny,
        rectified_date
    from ranked
    where _rank = 1
)

select * from final
