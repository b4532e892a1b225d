{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 人社 features per firm-month: insured headcount and contributions (monthly; a missing month
-- reads the latest of the last three) and wage-dispute cases open or filed by the month end.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

insured as (
    select * from {{ ref('stg_hrss__insured_monthly') }}
),

disputes as (
    select * from {{ ref('stg_hrss__wage_disputes') }}
),

feeds as (
    select
        (select min(period_month) from insured) as insured_from,
        (select min(filed_date) from disputes) as disputes_from
),

joined as (
    select
        panel.firm_id,
        panel.period_month,
        panel.month_end_date,
        insured.pension_insured,
        insured.unemployment_insured,
        insured.medical_insured,
        insured.injury_insured,
        insured.maternity_insured,
        insured.contribution_base_cny,
        insured.contributions_due_cny,
        insured.contributions_paid_cny,
        insured.arrears_balance_cny
    from panel
    left join insured on panel.firm_id = insured.firm_id and panel.period_month = insured.period_month
),

windowed as (
    select
        firm_id,
        period_month,
        month_end_date,
        {{ last_value_ignore_nulls('pension_insured') }} over w3 as pension_insured,
        {{ last_value_ignore_nulls('unemployment_insured') }} over w3 as unemployment_insured,
        {{ last_value_ignore_nulls('medical_insured') }} over w3 as medical_insured,
        {{ last_value_ignore_nulls('injury_insured') }} over w3 as injury_insured,
        {{ last_value_ignore_nulls('maternity_insured') }} over w3 as maternity_insured,
        {{ last_value_ignore_nulls('contribution_base_cny') }} over w3 as contribution_base_cny,
        {{ last_value_ignore_nulls('arrears_balance_cny') }} over w3 as arrears_balance_cny,
        sum(contributions_due_cny) over w12 as contributions_due_12m_cny,
        sum(contributions_paid_cny) over w12 as contributions_paid_12m_cny,
        count(contributions_due_cny) over w12 as reported_12m
    from joined
    window
        w3 as (partition by firm_id order by period_month rows between 2 preceding and current row),
        w12 as (partition by firm_id order by period_month rows between 11 preceding and current row)
),

with_last_year as (
    select
        *,
        lag(pension_insured, 12) over (partition by firm_id order by period_month) as pension_insured_last_year
    from windowed
),

dispute_counts as (
    select
        panel.firm_id,
        panel.period_month,
        count(*) filter (where disputes.closed_date is null or disputes.closed_date > panel.month_end_date)
            as open_wage_disputes,
        count(*) filter (where disputes.filed_date >= {{ dbt.dateadd('month', -11, 'panel.period_month') }})
            as wage_disputes_12m,
        coalesce(sum(disputes.workers) filter (
            where disputes.filed_date >= {{ dbt.dateadd('month', -11, 'panel.period_month') }}), 0)
            as dispute_workers_12m
    from panel
    inner join disputes
        on panel.firm_id = disputes.firm_id
        and disputes.filed_date <= panel.month_end_date
    group by 1, 2
),

final as (
    select
        w.firm_id,
        w.period_month,
        -- helper for coverage against the annual report's employees (fct_firm_indicators):
        -- no insured row in three months of a covered period means no one insured
        case when w.period_month >= feeds.insured_from then coalesce(w.pension_insured, 0) end
            as hrss_pension_insured,
        -- indicators
        {{ safe_divide('w.pension_insured', 'w.pension_insured_last_year') }} - 1 as insured_yoy,
        {{ capped_ratio('(coalesce(w.unemployment_insured, 0) + coalesce(w.medical_insured, 0)
            + coalesce(w.injury_insured, 0) + coalesce(w.maternity_insured, 0)) / 4.0', 'w.pension_insured') }}
            as insurance_completeness,
        {{ safe_divide('w.contribution_base_cny', 'w.pension_insured') }} as avg_contribution_base,
        {{ capped_ratio('w.contributions_paid_12m_cny', 'w.contributions_due_12m_cny') }}
            as contribution_paid_ratio_12m,
        case
            when w.reported_12m = 0 or w.reported_12m is null then null
            when coalesce(w.arrears_balance_cny, 0) <= 0 then 0.0
            when w.contributions_due_12m_cny > 0
                then cast(w.arrears_balance_cny as double)
                    / (cast(w.contributions_due_12m_cny as double) / w.reported_12m)
            else 1.0
        end as contribution_arrears_ratio,
        case when w.month_end_date >= feeds.disputes_from
            then coalesce(d.open_wage_disputes, 0) end as open_wage_disputes,
        case when w.month_end_date >= feeds.disputes_from
            then coalesce(d.wage_disputes_12m, 0) end as wage_disputes_12m,
        case
            when not coalesce(w.month_end_date >= feeds.disputes_from, false) then null
            when coalesce(d.dispute_workers_12m, 0) = 0 then 0.0
            when w.pension_insured > 0 then least(d.dispute_workers_12m / w.pension_insured, 1.0)
            else 1.0
        end as wage_dispute_workers_ratio
    from with_last_year as w
    cross join feeds
    left join dispute_counts as d on w.firm_id = d.firm_id and w.period_month = d.period_month
)

select * from final where {{ in_month_partition('period_month') }}
