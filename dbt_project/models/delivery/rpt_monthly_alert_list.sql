{{ config(
    materialized='incremental', tags=['monthly'], on_schema_change='sync_all_columns',
    **month_partition_config()
) }}

-- 企业风险诉求预警清单: each month's listed firms (the riskiest live firms of every county within
-- the budget, and every firm with a new severe red flag), ranked, with the rules that fired and
-- their evidence, the needs they imply, the agencies they go to and the help suggested by the
-- firm's score reasons. Dead firms are never listed (alert_ranking holds live firms only).
with ranking as (
    select * from {{ source('delivery', 'alert_ranking') }}
    where is_listed and {{ in_month_partition('period_month') }}
),

candidates as (
    select * from {{ source('delivery', 'alert_candidates') }}
    where suppressed is null and {{ in_month_partition('period_month') }}
),

rules as (
    select * from {{ source('delivery', 'alert_rules') }}
),

scores as (
    select * from {{ source('scoring', 'firm_health_scores') }}
    where {{ in_month_partition('period_month') }}
),

firms as (
    select * from {{ ref('dim_firm') }}
),

fired as (
    select
        candidates.firm_id,
        candidates.period_month,
        count(*) as rules_fired,
        max(case candidates.severity when 'high' then 3 when 'medium' then 2 else 1 end) as severity_rank,
        {{ dbt.listagg("rules.rule_name_zh", "'、'", "order by rules.rule_code") }} as rules_zh,
        {{ dbt.listagg("rules.rule_name_zh || '：' || candidates.evidence_zh", "'；'", "order by rules.rule_code") }}
            as evidence_zh,
        {{ sorted_distinct_items(dbt.listagg("rules.needs_zh", "'、'", "order by rules.rule_code"), "'、'") }}
            as needs_zh,
        {{ sorted_distinct_items(dbt.listagg("rules.agencies", "','", "order by rules.rule_code"), "','") }}
            as agency_codes
    from candidates
    inner join rules on candidates.rule_code = rules.rule_code
    group by 1, 2
),

reason_rows as (
    {{ unnest_with_position(
        'scores', 'reason_codes', ['firm_id', 'period_month'], 'reason_code', 'reason_rank',
        where='firm_id in (select firm_id from ranking)'
    ) }}
),

actions as (
    select indicator_code as code, suggestion_zh from {{ ref('indicator_catalog') }}
    union all
    select flag_code, suggestion_zh from {{ ref('red_flag_catalog') }}
),

suggestions as (
    select
        reason_rows.firm_id,
        reason_rows.period_month,
        actions.suggestion_zh,
        min(reason_rows.reason_rank) as first_rank
    from reason_rows
    inner join actions on reason_rows.reason_code = actions.code
    group by 1, 2, 3
),

suggested as (
    select
        firm_id,
        period_month,
        {{ dbt.listagg("suggestion_zh", "'；'", "order by first_rank") }} as suggestions_zh
    from suggestions
    group by 1, 2
),

final as (
    select
        ranking.firm_id || '|' || {{ month_label('ranking.period_month') }} as alert_id,
        ranking.period_month,
        ranking.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_code,
        firms.county_name,
        firms.industry_division_name,
        ranking.rank,
        ranking.county_rank,
        ranking.county_quota,
        coalesce(ranking.county_rank > ranking.county_quota, true) as is_listed_for_red_flag,
        ranking.risk,
        ranking.risk_basis,
        scores.grade,
        scores.grade_code,
        scores.pd,
        scores.points as bank_points,
        scores.overall_score,
        scores.score_operations,
        scores.score_innovation,
        scores.score_structure,
        scores.score_efficiency,
        scores.score_risk,
        coalesce(fired.rules_fired, 0) as rules_fired,
        case fired.severity_rank when 3 then 'high' when 2 then 'medium' when 1 then 'low' end as severity,
        fired.rules_zh,
        fired.evidence_zh,
        fired.needs_zh,
        fired.agency_codes,
        {{ array_to_text("scores.red_flags", "'、'") }} as red_flags_zh,
        {{ array_to_text("scores.reasons", "'；'") }} as reasons_zh,
        suggested.suggestions_zh
    from ranking
    left join firms on ranking.firm_id = firms.firm_id
    left join scores on ranking.firm_id = scores.firm_id and ranking.period_month = scores.period_month
    left join fired on ranking.firm_id = fired.firm_id and ranking.period_month = fired.period_month
    left join suggested on ranking.firm_id = suggested.firm_id and ranking.period_month = suggested.period_month
)

select * from final
