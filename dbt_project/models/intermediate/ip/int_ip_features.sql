{{ config(
    materialized='incremental', tags=['monthly'], **month_partition_config()
) }}

-- 知识产权 features per firm-month: patents and trademarks in force at the month end (granted
-- by then, not lapsed by then), applications and lapses of the last 12 months.
with panel as (
    select firm_id, period_month, month_end_date from {{ ref('int_firm_months') }}
),

rights as (
    select
        *,
        right_type in ('发明专利', '实用新型', '外观设计') as is_patent
    from {{ ref('stg_ip__rights') }}
),

feed as (
    select min(application_date) as first_date from rights
),

counts as (
    select
        panel.firm_id,
        panel.period_month,
        count(*) filter (where rights.is_patent and rights.granted_date <= panel.month_end_date
            and (rights.lapsed_date is null or rights.lapsed_date > panel.month_end_date)) as valid_patents,
        count(*) filter (where rights.right_type = '发明专利' and rights.granted_date <= panel.month_end_date
            and (rights.lapsed_date is null or rights.lapsed_date > panel.month_end_date)) as valid_invention_patents,
        count(*) filter (where rights.right_type = '注册商标' and rights.granted_date <= panel.month_end_date
            and (rights.lapsed_date is null or rights.lapsed_date > panel.month_end_date)) as valid_trademarks,
        count(*) filter (where rights.is_patent
            and rights.application_date >= {{ dbt.dateadd('month', -11, 'panel.period_month') }})
            as patent_applications_12m,
        count(*) filter (where rights.is_patent and rights.granted_date <= panel.month_end_date
            and rights.lapsed_date <= panel.month_end_date
            and rights.lapsed_date >= {{ dbt.dateadd('month', -11, 'panel.period_month') }}) as patents_lapsed_12m
    from panel
    inner join rights
        on panel.firm_id = rights.firm_id
        and rights.application_date <= panel.month_end_date
    group by 1, 2
),

final as (
    select
        panel.firm_id,
        panel.period_month,
        -- helper for patents per 100 staff (fct_firm_indicators)
        case when panel.month_end_date >= feed.first_date then coalesce(counts.valid_patents, 0) end
            as valid_patents,
        {{ safe_divide('counts.valid_invention_patents', 'counts.valid_patents') }} as invention_patent_share,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.valid_invention_patents, 0) end as valid_invention_patents,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.patent_applications_12m, 0) end as patent_applications_12m,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.valid_trademarks, 0) end as valid_trademarks,
        case when panel.month_end_date >= feed.first_date
            then coalesce(counts.patents_lapsed_12m, 0) end as patents_lapsed_12m
    from panel
    cross join feed
    left join counts on panel.firm_id = counts.firm_id and panel.period_month = counts.period_month
)

select * from final where {{ in_month_partition('period_month') }}
