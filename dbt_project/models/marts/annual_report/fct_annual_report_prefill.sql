-- 多报合一 savings per filed annual report (firm, report year): how many items the firm's report
-- needs, how many a department already held and prefilled, and how many entries the merged report
-- saves against filing the same items to each of the seven departments separately.
--   entries_filed_separately  = sum over applicable items of the departments needing the item
--   duplicate_entries_removed = entries_filed_separately - applicable items (each item entered once)
--   entries_to_type           = applicable items - prefilled items
--   entries_saved             = entries_filed_separately - entries_to_type
with items as (
    select * from {{ ref('fct_annual_report_items') }}
    where is_applicable
),

final as (
    select
        firm_id || '|' || cast(report_year as {{ dbt.type_string() }}) as report_id,
        firm_id,
        report_year,
        min(filed_date) as filed_date,
        count(*) as items_applicable,
        count(*) filter (where is_prefilled) as items_prefilled,
        count(*) filter (where not is_prefilled) as entries_to_type,
        sum(departments_needing) as entries_filed_separately,
        sum(departments_needing) - count(*) as duplicate_entries_removed,
        sum(departments_needing) - count(*) filter (where not is_prefilled) as entries_saved,
        coalesce(
            {{ dbt.listagg("item_name_zh", "'、'", "order by item_code") }} filter (where is_prefilled), ''
        ) as prefilled_items_zh,
        coalesce(
            {{ listagg_distinct('prefill_department_zh', "'、'", 'is_prefilled') }},
            ''
        ) as prefill_departments_zh
    from items
    group by firm_id, report_year
)

select * from final
