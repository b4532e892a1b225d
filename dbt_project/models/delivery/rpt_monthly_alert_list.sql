{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period_month', tags=['monthly']) }}

-- 企业风险诉求预警清单: each month's sub-healthy and unhealthy firms with what is wrong, the
-- department that should act and the help suggested, from the top reasons of their scores.
with scores as (
    select * from {{ source('scoring', 'firm_health_scores') }}
    where grade_code in ('subhealthy', 'unhealthy')
),

firms as (
    select * from {{ ref('dim_firm') }}
),

reason_rows as (
    select
        firm_id,
        period_month,
        unnest(reason_codes) as reason_code,
        unnest(generate_series(1, len(reason_codes))) as reason_rank
    from scores
),

actions as (
    select indicator_code as code, action_department_zh, suggestion_zh from {{ ref('indicator_catalog') }}
    union all
    select flag_code, action_department_zh, suggestion_zh from {{ ref('red_flag_catalog') }}
),

routed as (
    select
        reason_rows.firm_id,
        reason_rows.period_month,
        string_agg(distinct actions.action_department_zh, '、' order by actions.action_department_zh) as action_departments_zh,
        string_agg(actions.suggestion_zh, '；' order by reason_rows.reason_rank) as suggestions_zh
    from reason_rows
    inner join actions on reason_rows.reason_code = actions.code
    group by 1, 2
),

final as (
    select
        scores.firm_id || '|' || strftime(scores.period_month, '%Y%m') as alert_id,
        scores.period_month,
        scores.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        firms.industry_division_name,
        scores.grade,
        scores.grade_code,
        scores.overall_score,
        scores.score_operations,
        scores.score_innovation,
        scores.score_structure,
        scores.score_efficiency,
        scores.score_risk,
        array_to_string(scores.red_flags, '、') as red_flags_zh,
        array_to_string(scores.reasons, '；') as reasons_zh,
        routed.action_departments_zh,
        routed.suggestions_zh
    from scores
    left join firms on scores.firm_id = firms.firm_id
    left join routed on scores.firm_id = routed.firm_id and scores.period_month = routed.period_month
)

select * from final where {{ in_month_partition('period_month') }}
