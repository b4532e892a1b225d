-- Which departments hold records of a firm, and how recent they are: one row per firm,
-- department and calendar month in which the department recorded something about the firm,
-- with the latest record date of that month. A department "reported" a firm by month M when a
-- row has record_month <= M; max(last_record_date) over those rows is the as-of date the firm
-- report prints beside the department (数据覆盖). Read by reports/ from the published snapshot
-- in milliseconds (sorted by firm), where the staging views would need a scan per department.
{%- set records = [
    ('amr', 'stg_amr__registry_records', 'record_date'),
    ('amr', 'stg_amr__annual_reports', 'filed_date'),
    ('amr', 'stg_amr__penalties', 'decision_date'),
    ('amr', 'stg_amr__abnormal_listings', 'listed_date'),
    ('tax', 'stg_tax__declarations', 'period_month'),
    ('tax', 'stg_tax__credit_grades', 'published_date'),
    ('stats', 'stg_stats__industry_monthly', 'period_month'),
    ('hrss', 'stg_hrss__insured_monthly', 'period_month'),
    ('hrss', 'stg_hrss__wage_disputes', 'filed_date'),
    ('power', 'stg_power__usage_monthly', 'period_month'),
    ('customs', 'stg_customs__trade_monthly', 'period_month'),
    ('court', 'stg_court__enforcement_cases', 'filed_date'),
    ('credit', 'stg_credit__loans_monthly', 'period_month'),
    ('court', 'stg_credit__dishonest_listings', 'listed_date'),
    ('ip', 'stg_ip__rights', 'application_date'),
    ('sci', 'stg_sci__certifications', 'issued_date'),
    ('subsidy', 'stg_subsidy__payments', 'paid_date'),
    ('env', 'stg_env__penalties', 'decision_date'),
] %}

with records as (
    {%- for department, model, date_column in records %}
    select
        firm_id,
        '{{ department }}' as department,
        cast({{ date_column }} as date) as record_date
    from {{ ref(model) }}
    where {{ date_column }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        firm_id,
        department,
        cast({{ dbt.date_trunc('month', 'record_date') }} as date) as record_month,
        max(record_date) as last_record_date
    from records
    group by 1, 2, 3
)

select * from final
order by 1, 2, 3
