{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- One row per firm and month while the firm exists (founded, not yet deregistered), with its
-- registry state as it stood at the month's end: later records never leak into earlier months.
with records as (
    select
        *,
        lead(record_date) over (partition by firm_id order by record_date) as next_record_date
    from {{ ref('stg_amr__registry_records') }}
),

months as (
    select * from {{ ref('int_months') }}
),

as_of as (
    select
        records.firm_id,
        months.period_month,
        months.month_end_date,
        records.founded_date,
        records.industry_class_code,
        records.county_code,
        records.registration_status,
        records.status_changed_date
    from records
    inner join months
        on records.record_date <= months.month_end_date
        and (records.next_record_date is null or records.next_record_date > months.month_end_date)
),

final as (
    select
        firm_id,
        period_month,
        month_end_date,
        founded_date,
        industry_class_code,
        county_code,
        registration_status,
        coalesce(registration_status = '吊销' and status_changed_date <= month_end_date, false) as is_revoked
    from as_of
    where founded_date <= month_end_date
        and not coalesce(registration_status = '注销' and status_changed_date < period_month, false)
)

select * from final where {{ in_month_partition('period_month') }}
