-- One row per patent or trademark, in its latest legal status (application, grant, lapse dates).
with source as (
    select * from {{ source('raw', 'ip_rights') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by right_no
            order by
                case legal_status when '失效' then 3 when '有效' then 2 else 1 end desc,
                _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        right_no as right_id,
        uscc as firm_id,
        right_type,
        application_date,
        granted_date,
        case when legal_status = '失效' then lapsed_date end as lapsed_date
    from ranked
    where _rank = 1
)

select * from final
