{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 市场监管 features per firm-month, as the department's records stood at the month end:
-- registered capital of the registry record in force, the extended annual report filed by
-- then (and the year before), its cross-checks against HRSS and customs records of the report
-- year, administrative penalties and the abnormal-operations list (listed / removed dates).
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

registry as (
    select
        firm_id,
        record_date,
        registered_capital_cny,
        lead(record_date) over (partition by firm_id order by record_date) as next_record_date
    from {{ ref('stg_amr__registry_records') }}
),

reports as (
    select * from {{ ref('stg_amr__annual_reports') }}
),

report_as_of as (
    -- which report year is the latest filed by each month end (int_annual_report_as_of's rule)
    select firm_id, period_month, report_year from {{ ref('int_annual_report_as_of') }}
),

penalties as (
    select * from {{ ref('stg_amr__penalties') }}
),

listings as (
    select * from {{ ref('stg_amr__abnormal_listings') }}
),

department_years as (
    select
        firm_id,
        report_year,
        hrss_pension_insured,
        hrss_contributions_paid_cny,
        customs_export_cny
    from {{ ref('int_department_years') }}
),

customs_coverage as (
    -- a firm with no customs row in a year the feed covers exported nothing
    select min(year(period_month)) as first_year from {{ ref('stg_customs__trade_monthly') }}
),

feeds as (
    select
        (select min(decision_date) from penalties) as penalties_from,
        (select min(listed_date) from listings) as listings_from
),

capital as (
    select
        panel.firm_id,
        panel.period_month,
        registry.registered_capital_cny
    from panel
    inner join registry
        on panel.firm_id = registry.firm_id
        and registry.record_date <= panel.month_end_date
        and (registry.next_record_date is null or registry.next_record_date > panel.month_end_date)
),

report_items as (
    select
        report_as_of.firm_id,
        report_as_of.period_month,
        current_report.total_assets_cny,
        current_report.total_revenue_cny,
        current_report.main_revenue_cny,
        current_report.total_tax_cny,
        current_report.subscribed_capital_cny,
        current_report.paid_in_capital_cny,
        current_report.rd_expense_cny,
        current_report.pension_insured,
        current_report.contributions_paid_cny,
        current_report.export_cny,
        previous_report.total_revenue_cny as previous_revenue_cny,
        department_years.hrss_pension_insured,
        department_years.hrss_contributions_paid_cny,
        case when report_as_of.report_year >= customs_coverage.first_year
            then coalesce(department_years.customs_export_cny, 0) end as customs_export_cny
    from report_as_of
    inner join panel
        on report_as_of.firm_id = panel.firm_id and report_as_of.period_month = panel.period_month
    inner join reports as current_report
        on report_as_of.firm_id = current_report.firm_id
        and report_as_of.report_year = current_report.report_year
    left join reports as previous_report
        on report_as_of.firm_id = previous_report.firm_id
        and previous_report.report_year = report_as_of.report_year - 1
        and previous_report.filed_date <= panel.month_end_date
    left join department_years
        on report_as_of.firm_id = department_years.firm_id
        and report_as_of.report_year = department_years.report_year
    cross join customs_coverage
),

penalty_counts as (
    {{ panel_events('penalties', 'decision_date', {
        'admin_penalties_12m':
            'count(*) filter (where penalties.decision_date >= ' ~ window_start(12) ~ ')',
        'penalties_in_publicity':
            'count(*) filter (where penalties.publicity_end_date is null
                or penalties.publicity_end_date > panel.month_end_date)',
        'severe_penalties_36m':
            "count(*) filter (where penalties.penalty_type in ('责令停产停业', '吊销许可证')
                and penalties.decision_date >= " ~ window_start(36) ~ ")",
    }) }}
),

listing_counts as (
    {{ panel_events('listings', 'listed_date', {
        'is_abnormal_listed':
            'max(case when listings.removed_date is null or listings.removed_date > panel.month_end_date
                then 1 else 0 end)',
        'abnormal_listings_36m':
            'count(*) filter (where listings.listed_date >= ' ~ window_start(36) ~ ')',
    }) }}
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        ln(1 + capital.registered_capital_cny) as registered_capital_log,
        {{ capped_ratio('r.paid_in_capital_cny', 'r.subscribed_capital_cny') }} as paid_in_ratio,
        {{ safe_divide('r.total_revenue_cny', 'r.previous_revenue_cny') }} - 1 as report_revenue_growth,
        {{ safe_divide('r.main_revenue_cny', 'r.total_revenue_cny') }} as main_business_share,
        {{ safe_divide('r.total_revenue_cny', 'r.total_assets_cny') }} as asset_turnover,
        {{ safe_divide('r.total_tax_cny', 'r.total_revenue_cny') }} as report_tax_burden,
        {{ safe_divide('r.rd_expense_cny', 'r.total_revenue_cny') }} as report_rd_intensity,
        {{ relative_gap('r.pension_insured', 'r.hrss_pension_insured') }} as report_insured_gap,
        {{ relative_gap('r.export_cny', 'r.customs_export_cny') }} as report_export_gap,
        {{ relative_gap('r.contributions_paid_cny', 'r.hrss_contributions_paid_cny') }} as report_contribution_gap,
        {{ since_feed_start('penalty_counts.admin_penalties_12m', 'feeds.penalties_from') }} as admin_penalties_12m,
        {{ since_feed_start('penalty_counts.penalties_in_publicity', 'feeds.penalties_from') }}
            as penalties_in_publicity,
        {{ since_feed_start('penalty_counts.severe_penalties_36m', 'feeds.penalties_from') }} as severe_penalties_36m,
        {{ since_feed_start('listing_counts.is_abnormal_listed', 'feeds.listings_from') }} as is_abnormal_listed,
        {{ since_feed_start('listing_counts.abnormal_listings_36m', 'feeds.listings_from') }} as abnormal_listings_36m
    from panel
    cross join feeds
    left join capital on panel.firm_id = capital.firm_id and panel.period_month = capital.period_month
    left join report_items as r on panel.firm_id = r.firm_id and panel.period_month = r.period_month
    left join penalty_counts
        on panel.firm_id = penalty_counts.firm_id and panel.period_month = penalty_counts.period_month
    left join listing_counts
        on panel.firm_id = listing_counts.firm_id and panel.period_month = listing_counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
