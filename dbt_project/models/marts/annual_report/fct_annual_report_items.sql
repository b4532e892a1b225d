-- 多报合一 item by item: one row per filed annual report (firm, report year) and data item of
-- seeds/config/annual_report_items.csv, each item once with its authoritative department, the
-- value the firm declared and, where a department already holds the item for that firm and year
-- in full, that department's figure: the item is prefilled and need not be typed again.
{% set declared_columns = [
    'employees', 'subscribed_capital_cny', 'paid_in_capital_cny', 'guarantees_given_cny',
    'total_assets_cny', 'owners_equity_cny', 'total_revenue_cny', 'main_revenue_cny',
    'total_profit_cny', 'net_profit_cny', 'total_tax_cny', 'total_liabilities_cny',
    'pension_insured', 'unemployment_insured', 'medical_insured', 'injury_insured',
    'maternity_insured', 'contribution_base_cny', 'contributions_paid_cny',
    'contribution_arrears_cny', 'export_cny', 'import_cny', 'rd_expense_cny', 'energy_tce',
    'fx_receipts_usd',
] %}
{% set flag_columns = ['has_website', 'foreign_investment'] %}

with reports as {{ materialized_cte() }} (
    select * from {{ ref('stg_amr__annual_reports') }}
),

catalog as (
    select * from {{ ref('annual_report_items') }}
),

department_values as (
    select * from {{ ref('fct_annual_report_department_values') }}
),

declared as (
    {%- for column in declared_columns %}
    select firm_id, report_year, '{{ column }}' as report_column, cast({{ column }} as double) as declared_value
    from reports
    union all
    {%- endfor %}
    {%- for column in flag_columns %}
    select firm_id, report_year, '{{ column }}', case when {{ column }} then 1.0 when not {{ column }} then 0.0 end
    from reports
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- the customs and FX sections concern firms that trade across the border
trading as (
    select
        reports.firm_id,
        reports.report_year,
        coalesce(reports.export_cny, 0) > 0
        or coalesce(reports.import_cny, 0) > 0
        or coalesce(reports.fx_receipts_usd, 0) > 0
        or coalesce(customs.months_with_records, 0) > 0 as is_trading
    from reports
    left join department_values as customs
        on reports.firm_id = customs.firm_id
        and reports.report_year = customs.report_year
        and customs.source_code = 'customs_export_cny'
),

items as (
    select
        reports.firm_id,
        reports.report_year,
        reports.filed_date,
        catalog.item_code,
        catalog.name_zh as item_name_zh,
        catalog.section,
        catalog.section_zh,
        catalog.authoritative_department,
        {{ department_zh('catalog.authoritative_department') }} as authoritative_department_zh,
        catalog.departments,
        {{ count_items('catalog.departments', "';'") }} as departments_needing,
        catalog.value_type,
        catalog.unit,
        declared.declared_value,
        catalog.prefill_source,
        department_values.department as prefill_department,
        department_values.value as department_value,
        catalog.applies_to = 'all' or trading.is_trading as is_applicable,
        coalesce(department_values.is_complete and department_values.months_with_records > 0, false)
            as department_holds_item
    from reports
    cross join catalog
    left join declared
        on reports.firm_id = declared.firm_id
        and reports.report_year = declared.report_year
        and catalog.report_column = declared.report_column
    left join department_values
        on reports.firm_id = department_values.firm_id
        and reports.report_year = department_values.report_year
        and catalog.prefill_source = department_values.source_code
    left join trading on reports.firm_id = trading.firm_id and reports.report_year = trading.report_year
),

final as (
    select
        firm_id || '|' || cast(report_year as {{ dbt.type_string() }}) || '|' || item_code as report_item_id,
        firm_id,
        cast(report_year as integer) as report_year,
        filed_date,
        item_code,
        item_name_zh,
        section,
        section_zh,
        authoritative_department,
        authoritative_department_zh,
        departments,
        departments_needing,
        value_type,
        unit,
        declared_value,
        prefill_source,
        prefill_department,
        {{ department_zh('prefill_department') }} as prefill_department_zh,
        department_value,
        is_applicable,
        is_applicable and department_holds_item as is_prefilled
    from items
)

select * from final
