-- 吊销候选名单: firms still registered (存续) that, as of the as-of month, have filed neither of
-- their last two due annual reports nor any tax declaration in the last 24 months (both counts in
-- seeds/config/compliance_rules.csv). The as-of month is the latest month of tax declarations in
-- the warehouse, or the partition's max_month when earlier; everything is read as it stood then:
--   - the annual report for year Y is due on 30 June of Y + 1; the last due years are the latest
--     years whose deadline has passed by the as-of month's end, and a report counts only if it
--     was filed by then;
--   - the firm must have owed both reports (founded by 31 December of the earlier year) and have
--     existed for the whole tax window;
--   - any tax declaration for a month in the window, even a zero one, keeps a firm off the list.
-- Each listed firm carries its evidence: last report year filed, last tax month, months since.
with tax as (
    select * from {{ ref('stg_tax__declarations') }}
),

as_of as (
    select
        as_of_month,
        {{ month_end('as_of_month') }} as as_of_date,
        cast({{ rule_value('revocation_missed_report_years') }} as integer) as missed_years,
        cast({{ rule_value('revocation_months_without_tax') }} as integer) as months_without_tax
    from (
        select least(max(period_month), cast('{{ var("max_month", "2999-12-01") }}' as date)) as as_of_month
        from tax
    ) as latest
    where as_of_month is not null
),

params as (
    select
        *,
        -- the latest report year whose 30 June deadline has been reached by the as-of month's end
        {{ due_report_year('as_of_date') }} as last_due_year,
        cast({{ dbt.dateadd('month', '1 - months_without_tax', 'as_of_month') }} as date) as tax_window_start
    from as_of
),

registry as (
    select
        records.*,
        row_number() over (partition by records.firm_id order by records.record_date desc) as _rank
    from {{ ref('stg_amr__registry_records') }} as records
    cross join params
    where records.record_date <= params.as_of_date
),

registered as (
    select registry.firm_id, registry.registration_status, registry.founded_date
    from registry
    cross join params
    where registry._rank = 1
        and registry.registration_status = '存续'
        and registry.founded_date <= {{ year_end_date('params.last_due_year - params.missed_years + 1') }}
        and registry.founded_date < params.tax_window_start
),

reports as (
    select reports.firm_id, reports.report_year, reports.filed_date
    from {{ ref('stg_amr__annual_reports') }} as reports
    cross join params
    where reports.filed_date <= params.as_of_date
),

report_summary as (
    select
        reports.firm_id,
        max(reports.report_year) as last_report_year,
        max(reports.filed_date) as last_report_filed_date,
        count(*) filter (
            where reports.report_year between params.last_due_year - params.missed_years + 1 and params.last_due_year
        ) as due_reports_filed
    from reports
    cross join params
    group by reports.firm_id
),

tax_summary as (
    select tax.firm_id, max(tax.period_month) as last_tax_month
    from tax
    cross join params
    where tax.period_month <= params.as_of_month
    group by tax.firm_id
),

listed as (
    select
        registered.firm_id,
        registered.registration_status,
        registered.founded_date,
        params.as_of_month,
        params.last_due_year - params.missed_years + 1 as first_missed_year,
        params.last_due_year as last_missed_year,
        report_summary.last_report_year,
        report_summary.last_report_filed_date,
        tax_summary.last_tax_month,
        {{ month_diff('tax_summary.last_tax_month', 'params.as_of_month') }} as months_since_last_tax,
        {{ month_diff('report_summary.last_report_filed_date', 'params.as_of_month') }} as months_since_last_report
    from registered
    cross join params
    left join report_summary on registered.firm_id = report_summary.firm_id
    left join tax_summary on registered.firm_id = tax_summary.firm_id
    where coalesce(report_summary.due_reports_filed, 0) = 0
        and (tax_summary.last_tax_month is null or tax_summary.last_tax_month < params.tax_window_start)
),

firms as (
    select * from {{ ref('dim_firm') }}
),

final as (
    select
        listed.firm_id || '|' || {{ month_label('listed.as_of_month') }} as candidate_id,
        listed.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        listed.as_of_month,
        listed.registration_status,
        listed.founded_date,
        listed.first_missed_year,
        listed.last_missed_year,
        listed.last_report_year,
        listed.last_report_filed_date,
        listed.last_tax_month,
        cast(listed.months_since_last_tax as integer) as months_since_last_tax,
        cast(listed.months_since_last_report as integer) as months_since_last_report,
        cast(listed.first_missed_year as {{ dbt.type_string() }}) || '、'
        || cast(listed.last_missed_year as {{ dbt.type_string() }})
        || '年度年报未报送；'
        || case
            when listed.last_tax_month is null then '无纳税申报记录'
            else '最近纳税申报所属期 ' || {{ month_label('listed.last_tax_month', with_dash=true) }}
                || '（' || cast(listed.months_since_last_tax as {{ dbt.type_string() }}) || ' 个月前）'
        end as evidence_zh
    from listed
    left join firms on listed.firm_id = firms.firm_id
)

select * from final
