-- One row per firm and record date; a record re-delivered in a later file replaces the earlier one.
with source as (
    select * from {{ source('raw', 'amr_registry') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, record_date order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        firm_name,
        legal_form,
        industry_class_code,
        county_code,
        {{ to_cny('registered_capital_10k', 10000) }} as registered_capital_cny,
        founded_date,
        registration_status,
        status_changed_date,
        record_date
    from ranked
    where _rank = 1
)

select * from final
