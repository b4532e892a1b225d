-- One row per abnormal-operation listing (经营异常名录), with its removal once the firm is removed.
with source as (
    select * from {{ source('raw', 'amr_abnormal') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by listing_no
            order by (removed_date is not null) desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        listing_no as listing_id,
        uscc as firm_id,
        listed_date,
        listed_reason,
        removed_date,
        removed_reason
    from ranked
    where _rank = 1
)

select * from final
