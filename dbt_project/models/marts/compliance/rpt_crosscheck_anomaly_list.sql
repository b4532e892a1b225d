-- 智联查 异常清单: each annual-report item that disagrees with a department's figure beyond the
-- tolerance, with both values and the gap, for market supervision to verify on site.
with results as (
    select * from {{ ref('fct_crosscheck_results') }}
    where check_status = 'inconsistent'
),

firms as (
    select * from {{ ref('dim_firm') }}
),

final as (
    select
        results.crosscheck_id,
        results.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        results.report_year,
        results.check_code,
        results.item_code,
        results.item_name_zh,
        results.department_zh,
        results.declared_value,
        results.department_value,
        results.gap,
        results.gap_ratio,
        results.severity,
        results.label_zh
    from results
    left join firms on results.firm_id = firms.firm_id
)

select * from final
