{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- Whether a firm is still alive at each month's end, as the departments' data show it: licence
-- revoked (吊销), or silent in every department for `dormant_months_without_activity` months or
-- more: no tax declaration (zero declarations count as filings), annual report, statistics
-- report, insured staff or customs trade, counted from the latest of its last activity, its
-- founding and the first month the warehouse holds. Power bills are not a sign of life: a
-- meter keeps a standby draw (typically 1-5% of the former use) after a firm has stopped.
-- Deregistered firms (注销) have left the panel already.
-- Dead firms leave the health alert list for the exit track (吊销候选, 空壳企业) and carry
-- their own status instead of a grade (scoring.firm_health_scores.grade_code = 'exited').
with panel as (
    select firm_id, period_month, founded_date, is_revoked from {{ ref('int_firm_months') }}
),

activity as (
    select distinct firm_id, period_month from (
        select firm_id, period_month from {{ ref('stg_tax__declarations') }}
        union all
        select firm_id, period_month from {{ ref('stg_stats__industry_monthly') }}
        union all
        select firm_id, period_month from {{ ref('stg_hrss__insured_monthly') }}
        where pension_insured > 0
        union all
        select firm_id, period_month from {{ ref('stg_customs__trade_monthly') }}
        union all
        select firm_id, {{ dbt.date_trunc('month', 'filed_date') }} as period_month
        from {{ ref('stg_amr__annual_reports') }}
        where filed_date is not null
    )
),

flagged as (
    select
        panel.firm_id,
        panel.period_month,
        panel.founded_date,
        panel.is_revoked,
        max(case when activity.firm_id is not null then panel.period_month end) over (
            partition by panel.firm_id order by panel.period_month
            rows between unbounded preceding and current row
        ) as last_activity_month,
        min(panel.period_month) over () as first_data_month
    from panel
    left join activity
        on panel.firm_id = activity.firm_id and panel.period_month = activity.period_month
),

silence as (
    select
        *,
        {{ month_diff(
            'greatest(coalesce(last_activity_month, first_data_month), first_data_month, '
            ~ dbt.date_trunc('month', 'founded_date') ~ ')',
            'period_month'
        ) }} as months_without_activity
    from flagged
),

final as (
    select
        firm_id,
        period_month,
        last_activity_month,
        cast(months_without_activity as integer) as months_without_activity,
        case
            when is_revoked then 'revoked'
            when months_without_activity >= {{ rule_value('dormant_months_without_activity') }}
                then 'dormant'
            else 'live'
        end as firm_status,
        case
            when is_revoked then '营业执照已吊销'
            when months_without_activity >= {{ rule_value('dormant_months_without_activity') }}
                then '连续' || cast(months_without_activity as {{ dbt.type_string() }}) || '个月无任何部门经营记录'
            else '存续经营'
        end as firm_status_zh
    from silence
)

select * from final where {{ in_month_partition('period_month') }}
