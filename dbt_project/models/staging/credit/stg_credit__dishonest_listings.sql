-- One row per dishonest-debtor listing, with its removal date once the firm repaired its credit.
with source as (
    select * from {{ source('raw', 'credit_dishonest') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by case_no, listed_date
            order by (removed_date is not null) desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        case_no || '|' || cast(listed_date as {{ dbt.type_string() }}) as listing_id,
        case_no as case_id,
        uscc as firm_id,
        listed_date,
        removed_date,
        circumstance
    from ranked
    where _rank = 1
)

select * from final
