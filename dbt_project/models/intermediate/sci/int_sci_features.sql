{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 科技 features per firm-month: certifications in force at the month end (issued by then, not
-- expired, not revoked by then), revocations of the last 36 months and certificates that expired
-- in the last 12 months with none of the same kind in force.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

certificates as (
    select * from {{ ref('stg_sci__certifications') }}
),

feed as (
    select min(issued_date) as first_date from certificates
),

by_kind as (
    -- per kind of certification, so a lapse counts only with none of the same kind in force
    {{ panel_events('certificates', 'issued_date', {
        'is_in_force':
            'bool_or(
                (certificates.expiry_date is null or certificates.expiry_date >= panel.month_end_date)
                and (certificates.revoked_date is null or certificates.revoked_date > panel.month_end_date))',
        'revoked_36m':
            'count(*) filter (where certificates.revoked_date <= panel.month_end_date
                and certificates.revoked_date >= ' ~ window_start(36) ~ ')',
        'expired_12m':
            'count(*) filter (where certificates.expiry_date < panel.month_end_date
                and certificates.expiry_date >= ' ~ window_start(12) ~ '
                and (certificates.revoked_date is null or certificates.revoked_date > certificates.expiry_date))',
    }, group_by=['certification']) }}
),

by_firm as (
    select
        firm_id,
        period_month,
        bool_or(is_in_force and certification = '高新技术企业') as is_high_tech,
        bool_or(is_in_force and certification = '专精特新中小企业') as is_srdi,
        bool_or(is_in_force and certification = '科技型中小企业') as is_tech_sme,
        sum(revoked_36m) as certification_revoked_36m,
        sum(case when not is_in_force then expired_12m else 0 end) as certification_lapsed_12m
    from by_kind
    group by 1, 2
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        {{ since_feed_start('cast(by_firm.is_high_tech as integer)', 'feed.first_date') }} as is_high_tech,
        {{ since_feed_start('cast(by_firm.is_srdi as integer)', 'feed.first_date') }} as is_srdi,
        {{ since_feed_start('cast(by_firm.is_tech_sme as integer)', 'feed.first_date') }} as is_tech_sme,
        {{ since_feed_start('by_firm.certification_revoked_36m', 'feed.first_date') }} as certification_revoked_36m,
        {{ since_feed_start('by_firm.certification_lapsed_12m', 'feed.first_date') }} as certification_lapsed_12m
    from panel
    cross join feed
    left join by_firm on panel.firm_id = by_firm.firm_id and panel.period_month = by_firm.period_month
)

select * from final where {{ in_month_partition('period_month') }}
