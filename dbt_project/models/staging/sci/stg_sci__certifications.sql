-- One row per technology certificate (高企/专精特新/科小), with its revocation if withdrawn.
with source as (
    select * from {{ source('raw', 'sci_certification') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by certificate_no
            order by (revoked_date is not null) desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        certificate_no as certificate_id,
        uscc as firm_id,
        certification,
        issued_date,
        expiry_date,
        revoked_date
    from ranked
    where _rank = 1
)

select * from final
