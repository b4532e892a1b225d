-- Distress events as the departments record them (the outcomes scoring is fitted and
-- back-tested on): enforcement cases filed, dishonest-debtor listings, licence revocations and
-- deregistrations. One row per firm, event type and date.
with enforcement as (
    select firm_id, 'enforcement' as event_type, filed_date as event_date
    from {{ ref('stg_court__enforcement_cases') }}
),

dishonest as (
    select firm_id, 'dishonest' as event_type, listed_date as event_date
    from {{ ref('stg_credit__dishonest_listings') }}
),

registry as (
    select
        firm_id,
        case registration_status when '吊销' then 'revocation' else 'closure' end as event_type,
        min(status_changed_date) as event_date
    from {{ ref('stg_amr__registry_records') }}
    where registration_status in ('吊销', '注销') and status_changed_date is not null
    group by 1, 2
),

unioned as (
    select * from enforcement
    union all
    select * from dishonest
    union all
    select * from registry
),

final as (
    select distinct
        firm_id || '|' || event_type || '|' || cast(event_date as {{ dbt.type_string() }}) as event_id,
        firm_id,
        event_type,
        event_date
    from unioned
)

select * from final
