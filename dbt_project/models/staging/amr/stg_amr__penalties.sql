-- One row per administrative penalty (行政处罚); a re-delivered decision replaces the earlier one.
with source as (
    select * from {{ source('raw', 'amr_penalty') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by penalty_no order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        penalty_no as penalty_id,
        uscc as firm_id,
        decision_date,
        penalty_type,
        {{ to_cny('amount_10k', 10000) }} as amount_cny,
        reason,
        publicity_end_date
    from ranked
    where _rank = 1
)

select * from final
