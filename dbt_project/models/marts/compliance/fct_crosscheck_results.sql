-- 智联查: each filed annual report's items compared with the departments' own figures for the
-- same firm and year, one row per report (firm, report year) and check of
-- seeds/config/crosscheck_tolerances.csv. A check is
--   consistent      the gap is within the larger of the absolute and relative tolerance
--   inconsistent    it is not
--   not_checked     the firm declared nothing for the item, or the department holds no complete
--                   figure for the year (no records, or months missing)
--   not_applicable  customs-type checks where a missing record means zero and both sides are zero
with items as (
    select * from {{ ref('fct_annual_report_items') }}
),

tolerances as (
    select * from {{ ref('crosscheck_tolerances') }}
),

department_values as (
    select * from {{ ref('fct_annual_report_department_values') }}
),

compared as (
    select
        items.firm_id,
        items.report_year,
        tolerances.check_code,
        items.item_code,
        items.item_name_zh,
        tolerances.department,
        tolerances.department_zh,
        tolerances.comparison,
        tolerances.relative_tolerance,
        tolerances.absolute_tolerance,
        tolerances.severity,
        tolerances.label_zh,
        tolerances.missing_as_zero,
        items.declared_value,
        department_values.firm_id is not null as has_department_record,
        case
            when department_values.is_complete
                and (department_values.months_with_records > 0 or tolerances.missing_as_zero)
                then department_values.value
        end as department_value
    from items
    inner join tolerances on items.item_code = tolerances.item_code
    left join department_values
        on items.firm_id = department_values.firm_id
        and items.report_year = department_values.report_year
        and tolerances.department_source = department_values.source_code
),

judged as (
    select
        *,
        declared_value - department_value as gap,
        {{ safe_divide('declared_value - department_value', 'abs(department_value)') }} as gap_ratio,
        {{ within_tolerance('declared_value', 'department_value', 'relative_tolerance',
            'absolute_tolerance', 'comparison') }} as is_within_tolerance
    from compared
),

final as (
    select
        firm_id || '|' || cast(report_year as {{ dbt.type_string() }}) || '|' || check_code as crosscheck_id,
        firm_id,
        report_year,
        check_code,
        item_code,
        item_name_zh,
        department,
        department_zh,
        declared_value,
        department_value,
        gap,
        gap_ratio,
        comparison,
        relative_tolerance,
        absolute_tolerance,
        severity,
        label_zh,
        case
            when declared_value is null or department_value is null then 'not_checked'
            when missing_as_zero and declared_value = 0 and department_value = 0 then 'not_applicable'
            when is_within_tolerance then 'consistent'
            else 'inconsistent'
        end as check_status,
        case
            when declared_value is null then '年报未填报该项'
            when department_value is null and not has_department_record then '部门无该企业当年数据'
            when department_value is null then '部门当年数据不完整'
        end as not_checked_reason_zh
    from judged
)

select * from final
