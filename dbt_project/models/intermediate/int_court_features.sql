{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']) }}

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
    select panel.firm_id, panel.period_month, count(*) as enforcement_cases_12m
    from panel
    inner join cases
        on panel.firm_id = cases.firm_id
        and cases.filed_date <= panel.month_end_date
        and cases.filed_date >= panel.period_month - interval 11 month
    group by 1, 2
),

listing_counts as (
    select panel.firm_id, panel.period_month, count(*) as dishonest_listings_36m
    from panel
    inner join listings
        on panel.firm_id = listings.firm_id
        and listings.listed_date <= panel.month_end_date
        and listings.listed_date >= panel.period_month - interval 35 month
    group by 1, 2
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        case when panel.month_end_date >= feeds.cases_from
            then coalesce(case_counts.enforcement_cases_12m, 0) end as enforcement_cases_12m,
        case when panel.month_end_date >= feeds.listings_from
            then coalesce(listing_counts.dishonest_listings_36m, 0) end as dishonest_listings_36m
    from panel
    cross join feeds
    left join case_counts
        on panel.firm_id = case_counts.firm_id and panel.period_month = case_counts.period_month
    left join listing_counts
        on panel.firm_id = listing_counts.firm_id and panel.period_month = listing_counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
