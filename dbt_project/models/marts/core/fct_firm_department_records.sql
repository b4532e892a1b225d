-- Which departments hold records of a firm, and how recent they are: one row per firm,
-- department and calendar month in which the department recorded something about the firm,
-- with the latest record date of that month. A department "reported" a firm by month M when a
-- row has record_month <= M; max(last_record_date) over those rows is the as-of date the firm
-- report prints beside the department (数据覆盖). Read by reports/ from the published snapshot
-- in milliseconds (sorted by firm), where the staging views would need a scan per department.
-- (department, staging model, date column) of every feed's staging model: the date column is
-- the model's meta.record_date in its staging folder's YAML (macros/generated/departments.sql,
-- written by make generate).
{%- set records = department_records() %}

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
