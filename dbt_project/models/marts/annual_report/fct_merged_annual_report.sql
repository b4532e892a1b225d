-- 多报合一, first version: one row per firm, report year and data item, each item once, with the
-- department that is authoritative for it and, where a department already holds the figure,
-- that department's value (so the item can be prefilled and later cross-checked).
with reports as (
    select * from {{ ref('stg_amr__annual_reports') }}
),

tax_years as (
    select
        firm_id,
        year(period_month) as report_year,
        sum(sales_cny) as sales_cny,
        sum(vat_payable_cny + cit_paid_cny) as tax_paid_cny,
        count(*) as declared_months
    from {{ ref('stg_tax__declarations') }}
    group by 1, 2
),

stats_years as (
    select
        firm_id,
        year(period_month) as report_year,
        max_by(revenue_ytd_cny, period_month) as revenue_cny,
        max_by(employees, period_month) as employees,
        max(month(period_month)) as last_month
    from {{ ref('stg_stats__industry_monthly') }}
    group by 1, 2
),

joined as materialized (
    select
        reports.*,
        tax_years.sales_cny as tax_sales_cny,
        tax_years.tax_paid_cny as tax_paid_cny,
        tax_years.declared_months = 12 as has_full_tax_year,
        stats_years.revenue_cny as stats_revenue_cny,
        stats_years.employees as stats_employees,
        stats_years.last_month = 12 as has_full_stats_year
    from reports
    left join tax_years
        on reports.firm_id = tax_years.firm_id and reports.report_year = tax_years.report_year
    left join stats_years
        on reports.firm_id = stats_years.firm_id and reports.report_year = stats_years.report_year
),

items as (
    select firm_id, report_year, filed_date, 'employees' as item_code, '从业人数' as item_name_zh,
        '市场监管' as authoritative_department_zh, cast(employees as double) as declared_value,
        case when has_full_stats_year then cast(stats_employees as double) end as department_value,
        case when has_full_stats_year then '统计' end as department_value_source_zh
    from joined
    union all
    select firm_id, report_year, filed_date, 'total_assets', '资产总额', '税务', total_assets_cny, null, null
    from joined
    union all
    select firm_id, report_year, filed_date, 'owners_equity', '所有者权益合计', '税务', owners_equity_cny, null, null
    from joined
    union all
    select firm_id, report_year, filed_date, 'total_revenue', '营业总收入', '税务', total_revenue_cny,
        case when has_full_tax_year then tax_sales_cny end,
        case when has_full_tax_year then '税务' end
    from joined
    union all
    select firm_id, report_year, filed_date, 'main_revenue', '主营业务收入', '统计', main_revenue_cny,
        case when has_full_stats_year then stats_revenue_cny end,
        case when has_full_stats_year then '统计' end
    from joined
    union all
    select firm_id, report_year, filed_date, 'total_profit', '利润总额', '税务', total_profit_cny, null, null
    from joined
    union all
    select firm_id, report_year, filed_date, 'net_profit', '净利润', '税务', net_profit_cny, null, null
    from joined
    union all
    select firm_id, report_year, filed_date, 'total_tax', '纳税总额', '税务', total_tax_cny,
        case when has_full_tax_year then tax_paid_cny end,
        case when has_full_tax_year then '税务' end
    from joined
    union all
    select firm_id, report_year, filed_date, 'total_liabilities', '负债总额', '税务', total_liabilities_cny, null, null
    from joined
    union all
    select firm_id, report_year, filed_date, 'pension_insured', '养老保险参保人数', '人社',
        cast(pension_insured as double), null, null
    from joined
),

final as (
    select
        firm_id || '|' || cast(report_year as varchar) || '|' || item_code as report_item_id,
        *,
        department_value is not null as is_prefillable
    from items
)

select * from final
