{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- The panel's months: every month between the first and last tax declaration month on file.
with bounds as (
    select
        min(period_month) as first_month,
        max(period_month) as last_month
    from {{ ref('stg_tax__declarations') }}
),

month_offsets as (
    {{ integers_below_10000() }}
),

final as (
    select cast({{ dbt.dateadd('month', 'month_offsets.n', 'bounds.first_month') }} as date) as period_month
    from bounds
    inner join month_offsets
        on month_offsets.n <= {{ month_diff('bounds.first_month', 'bounds.last_month') }}
    where bounds.first_month is not null
)

select
    period_month,
    {{ month_end('period_month') }} as month_end_date
from final
where {{ in_month_partition('period_month') }}
