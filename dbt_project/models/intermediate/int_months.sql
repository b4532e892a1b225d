{{ config(
    materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']
) }}

-- The panel's months: every month between the first and last tax declaration month on file.
with bounds as (
    select
        min(period_month) as first_month,
        max(period_month) as last_month
    from {{ ref('stg_tax__declarations') }}
),

final as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as period_month
    from bounds
    where first_month is not null
)

select
    period_month,
    {{ month_end('period_month') }} as month_end_date
from final
where {{ in_month_partition('period_month') }}
