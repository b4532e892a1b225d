-- 智联查 outcome per filed annual report (firm, report year):
--   exempt (免检)          at least one item compared and every compared item consistent
--   anomalous (异常)       at least one compared item inconsistent
--   not_checkable (无法核查) no item could be compared (no department holds a complete figure)
with reports as (
    select firm_id, report_year from {{ ref('stg_amr__annual_reports') }}
),

results as (
    select * from {{ ref('fct_crosscheck_results') }}
),

per_report as (
    select
        firm_id,
        report_year,
        count(*) filter (where check_status in ('consistent', 'inconsistent')) as checks_compared,
        count(*) filter (where check_status = 'consistent') as checks_consistent,
        count(*) filter (where check_status = 'inconsistent') as checks_inconsistent,
        count(*) filter (where check_status = 'not_checked') as checks_not_checked,
        count(*) filter (where check_status = 'inconsistent' and severity = 'high') as high_severity_inconsistent,
        coalesce(
            {{ dbt.listagg("item_name_zh", "'、'", "order by check_code") }}
                filter (where check_status = 'inconsistent'),
            ''
        ) as inconsistent_items_zh,
        coalesce(
            {{ listagg_distinct('department_zh', "'、'", "check_status in ('consistent', 'inconsistent')") }},
            ''
        ) as departments_compared_zh
    from results
    group by firm_id, report_year
),

final as (
    select
        reports.firm_id || '|' || cast(reports.report_year as {{ dbt.type_string() }}) as report_id,
        reports.firm_id,
        cast(reports.report_year as integer) as report_year,
        coalesce(per_report.checks_compared, 0) as checks_compared,
        coalesce(per_report.checks_consistent, 0) as checks_consistent,
        coalesce(per_report.checks_inconsistent, 0) as checks_inconsistent,
        coalesce(per_report.checks_not_checked, 0) as checks_not_checked,
        coalesce(per_report.high_severity_inconsistent, 0) as high_severity_inconsistent,
        coalesce(per_report.inconsistent_items_zh, '') as inconsistent_items_zh,
        coalesce(per_report.departments_compared_zh, '') as departments_compared_zh,
        case
            when coalesce(per_report.checks_inconsistent, 0) > 0 then 'anomalous'
            when coalesce(per_report.checks_compared, 0) > 0 then 'exempt'
            else 'not_checkable'
        end as check_outcome,
        case
            when coalesce(per_report.checks_inconsistent, 0) > 0 then '异常'
            when coalesce(per_report.checks_compared, 0) > 0 then '免检'
            else '无法核查'
        end as check_outcome_zh
    from reports
    left join per_report on reports.firm_id = per_report.firm_id and reports.report_year = per_report.report_year
)

select * from final
