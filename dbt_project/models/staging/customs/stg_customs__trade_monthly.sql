-- Exports and imports per trading firm and month, in CNY; an empty cell is no trade that way.
with source as (
    select * from {{ source('raw', 'customs_trade') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, trade_month order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        trade_month as period_month,
        {{ to_cny('coalesce(export_10k, 0)', 10000) }} as export_cny,
        {{ to_cny('coalesce(import_10k, 0)', 10000) }} as import_cny
    from ranked
    where _rank = 1
)

select * from final
