-- One row per labour-dispute / unpaid-wage case: its filing, and its closing once reported.
with source as (
    select * from {{ source('raw', 'hrss_wage_dispute') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by case_no
            order by (case_status = '已结案') desc, _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        case_no as case_id,
        uscc as firm_id,
        filed_date,
        workers,
        {{ to_cny('amount') }} as amount_cny,
        case when case_status = '已结案' then closed_date end as closed_date
    from ranked
    where _rank = 1
)

select * from final
