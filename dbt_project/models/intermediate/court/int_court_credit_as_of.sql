{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- Enforcement cases open and dishonest-debtor listings in force at each month's end. A case
-- closed or a listing removed (credit repair) later still counts in the months before.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

cases as (
    select * from {{ ref('stg_court__enforcement_cases') }}
),

listings as (
    select * from {{ ref('stg_credit__dishonest_listings') }}
),

open_cases as (
    select
        panel.firm_id,
        panel.period_month,
        count(*) as open_enforcement_cases,
        sum(coalesce(cases.amount_cny, 0)) as open_enforcement_amount_cny
    from panel
    inner join cases
        on panel.firm_id = cases.firm_id
        and cases.filed_date <= panel.month_end_date
        and (cases.closed_date is null or cases.closed_date > panel.month_end_date)
    group by 1, 2
),

listed as (
    select distinct
        panel.firm_id,
        panel.period_month
    from panel
    inner join listings
        on panel.firm_id = listings.firm_id
        and listings.listed_date <= panel.month_end_date
        and (listings.removed_date is null or listings.removed_date > panel.month_end_date)
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        coalesce(open_cases.open_enforcement_cases, 0) as open_enforcement_cases,
        coalesce(open_cases.open_enforcement_amount_cny, 0) as open_enforcement_amount_cny,
        listed.firm_id is not null as is_dishonest_debtor
    from panel
    left join open_cases
        on panel.firm_id = open_cases.firm_id and panel.period_month = open_cases.period_month
    left join listed
        on panel.firm_id = listed.firm_id and panel.period_month = listed.period_month
)

select * from final where {{ in_month_partition('period_month') }}
