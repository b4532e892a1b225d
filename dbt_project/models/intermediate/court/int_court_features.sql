{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 法院 history features per firm-month (open cases and the current dishonest-debtor listing are
-- in int_court_credit_as_of): enforcement cases filed in the last 12 months and dishonest-debtor
-- listings in the last 36 months, removed since or not, counted only once they were dated.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

cases as (
    select * from {{ ref('stg_court__enforcement_cases') }}
),

listings as (
    select * from {{ ref('stg_credit__dishonest_listings') }}
),

feeds as (
    select
        (select min(filed_date) from cases) as cases_from,
        (select min(listed_date) from listings) as listings_from
),

case_counts as (
    {{ panel_events('cases', 'filed_date', {'enforcement_cases_12m': 'count(*)'}, months=12) }}
),

listing_counts as (
    {{ panel_events('listings', 'listed_date', {'dishonest_listings_36m': 'count(*)'}, months=36) }}
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        {{ since_feed_start('case_counts.enforcement_cases_12m', 'feeds.cases_from') }} as enforcement_cases_12m,
        {{ since_feed_start('listing_counts.dishonest_listings_36m', 'feeds.listings_from') }}
            as dishonest_listings_36m
    from panel
    cross join feeds
    left join case_counts
        on panel.firm_id = case_counts.firm_id and panel.period_month = case_counts.period_month
    left join listing_counts
        on panel.firm_id = listing_counts.firm_id and panel.period_month = listing_counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
