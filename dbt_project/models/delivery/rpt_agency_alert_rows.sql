{{ config(
    materialized='incremental', tags=['monthly'], on_schema_change='sync_all_columns',
    **month_partition_config()
) }}

-- What each agency is sent in a month: one row per agency and firm with an alert that is new,
-- escalated or resolved this month (an ongoing alert is not sent again), with every field an
-- agency may be entitled to; the extract asset keeps only the agency's own fields.
with lifecycle as (
    select * from {{ source('delivery', 'alert_lifecycle') }}
    where is_sent and {{ in_month_partition('period_month') }}
),

rules as (
    select * from {{ source('delivery', 'alert_rules') }}
),

agencies as (
    select * from {{ source('delivery', 'alert_agencies') }}
),

listed as (
    select * from {{ ref('rpt_monthly_alert_list') }}
    where {{ in_month_partition('period_month') }}
),

ranking as (
    select firm_id, period_month, rank from {{ source('delivery', 'alert_ranking') }}
    where {{ in_month_partition('period_month') }}
),

scores as (
    select * from {{ source('scoring', 'firm_health_scores') }}
    where {{ in_month_partition('period_month') }}
),

firms as (
    select * from {{ ref('dim_firm') }}
),

per_firm as (
    select
        lifecycle.agency_code,
        lifecycle.period_month,
        lifecycle.firm_id,
        case
            when bool_or(lifecycle.state = 'new') then 'new'
            when bool_or(lifecycle.state = 'escalated') then 'escalated'
            else 'resolved'
        end as state,
        max(case lifecycle.severity when 'high' then 3 when 'medium' then 2 else 1 end) as severity_rank,
        count(*) as alerts,
        {{ dbt.listagg(
            "rules.rule_name_zh || '（' || case lifecycle.state when 'new' then '新增'
                when 'escalated' then '升级' else '解除' end || '）'",
            "'；'", "order by lifecycle.rule_group"
        ) }} as rules_zh,
        {{ dbt.listagg(
            "rules.rule_name_zh || '：' || coalesce(lifecycle.evidence_zh, lifecycle.note_zh)",
            "'；'", "order by lifecycle.rule_group"
        ) }} as evidence_zh,
        {{ sorted_distinct_items(
            dbt.listagg("case when lifecycle.state <> 'resolved' then rules.needs_zh end", "'、'"), "'、'"
        ) }} as needs_zh,
        {{ dbt.listagg("lifecycle.fingerprint", "','", "order by lifecycle.rule_group") }}
            as fingerprints
    from lifecycle
    inner join rules on lifecycle.rule_code = rules.rule_code
    group by 1, 2, 3
),

final as (
    select
        per_firm.agency_code || '-' || {{ month_label('per_firm.period_month') }} || '-' || per_firm.firm_id
            as alert_id,
        per_firm.agency_code,
        agencies.agency_name_zh,
        per_firm.period_month,
        per_firm.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        firms.industry_division_name,
        per_firm.state,
        case per_firm.state when 'new' then '新增' when 'escalated' then '升级' else '解除' end as state_zh,
        case per_firm.severity_rank when 3 then '高' when 2 then '中' else '低' end as severity_zh,
        per_firm.alerts,
        per_firm.rules_zh,
        per_firm.evidence_zh,
        nullif(per_firm.needs_zh, '') as needs_zh,
        per_firm.fingerprints,
        ranking.rank,
        scores.grade,
        scores.overall_score,
        scores.score_operations,
        scores.score_innovation,
        scores.score_structure,
        scores.score_efficiency,
        scores.score_risk,
        scores.pd,
        scores.points as bank_points,
        {{ array_to_text("scores.reasons", "'；'") }} as reasons_zh,
        listed.suggestions_zh
    from per_firm
    left join agencies on per_firm.agency_code = agencies.agency_code
    left join firms on per_firm.firm_id = firms.firm_id
    left join ranking on per_firm.firm_id = ranking.firm_id and per_firm.period_month = ranking.period_month
    left join scores on per_firm.firm_id = scores.firm_id and per_firm.period_month = scores.period_month
    left join listed on per_firm.firm_id = listed.firm_id and per_firm.period_month = listed.period_month
)

select * from final
