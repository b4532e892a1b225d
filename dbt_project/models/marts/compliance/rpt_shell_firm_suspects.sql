-- 疑似空壳企业: firms still registered (存续) in which no department sees real activity over the
-- window (the 12 months up to the as-of month, seeds/config/compliance_rules.csv): no tax-declared
-- sales, no insured staff, no electricity use (above shell_max_kwh), no imports or exports. The
-- firm must have existed for the whole window and still file tax declarations, all zero (零申报,
-- at least shell_min_zero_declarations): a firm that files nothing at all has gone dormant and is
-- for the revocation list, not a shell kept alive on paper. Evidence per department (months with records and
-- the window's totals), the departments that hold no record of the firm at all in the window, and
-- the last month any department saw activity (null: never in the data, 从未经营).
-- The as-of month is the latest month of tax declarations, or the partition's max_month when earlier.
{% set departments = [
    ('tax', '税务', 'stg_tax__declarations', 'sum(sales_cny)', 'sales_cny > 0'),
    ('hrss', '人社', 'stg_hrss__insured_monthly', 'max(greatest(pension_insured, medical_insured))',
        'greatest(pension_insured, medical_insured) > 0'),
    ('power', '电力', 'stg_power__usage_monthly', 'sum(kwh)', 'kwh > 0'),
    ('customs', '海关', 'stg_customs__trade_monthly', 'sum(export_cny + import_cny)', 'export_cny + import_cny > 0'),
] %}

with as_of as (
    select
        as_of_month,
        cast({{ rule_value('shell_window_months') }} as integer) as window_months,
        {{ rule_value('shell_max_kwh') }} as max_kwh,
        {{ rule_value('shell_min_zero_declarations') }} as min_zero_declarations
    from (
        select least(max(period_month), cast('{{ var("max_month", "2999-12-01") }}' as date)) as as_of_month
        from {{ ref('stg_tax__declarations') }}
    ) as latest
    where as_of_month is not null
),

params as (
    select
        *,
        {{ month_end('as_of_month') }} as as_of_date,
        cast({{ dbt.dateadd('month', '1 - window_months', 'as_of_month') }} as date) as window_start
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
        and registry.founded_date < params.window_start
),

{% for code, name_zh, model, measure, active in departments %}
{{ code }}_window as (
    select
        records.firm_id,
        count(*) as months_with_records,
        {{ measure }} as window_total
    from {{ ref(model) }} as records
    cross join params
    where records.period_month between params.window_start and params.as_of_month
    group by records.firm_id
),

{{ code }}_last_active as (
    select records.firm_id, max(records.period_month) as last_active_month
    from {{ ref(model) }} as records
    cross join params
    where records.period_month <= params.as_of_month
        and {{ active }}
        {%- if code == 'power' %} and records.kwh > params.max_kwh{% endif %}
    group by records.firm_id
),

{% endfor %}
joined as (
    select
        registered.*,
        params.as_of_month,
        params.window_start,
        {%- for code, name_zh, model, measure, active in departments %}
        coalesce({{ code }}_window.months_with_records, 0) as {{ code }}_months_with_records,
        coalesce({{ code }}_window.window_total, 0) as {{ code }}_window_total,
        {{ code }}_last_active.last_active_month as {{ code }}_last_active_month,
        {%- endfor %}
        greatest(
            {%- for code, name_zh, model, measure, active in departments %}
            coalesce({{ code }}_last_active.last_active_month, date '1900-01-01'){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as last_active_any,
        params.max_kwh,
        params.min_zero_declarations
    from registered
    cross join params
    {%- for code, name_zh, model, measure, active in departments %}
    left join {{ code }}_window on registered.firm_id = {{ code }}_window.firm_id
    left join {{ code }}_last_active on registered.firm_id = {{ code }}_last_active.firm_id
    {%- endfor %}
),

suspects as (
    select *
    from joined
    where tax_months_with_records >= min_zero_declarations
        and tax_window_total <= 0
        and hrss_window_total <= 0
        and power_window_total <= max_kwh
        and customs_window_total <= 0
),

firms as (
    select * from {{ ref('dim_firm') }}
),

final as (
    select
        suspects.firm_id || '|' || {{ month_label('suspects.as_of_month') }} as suspect_id,
        suspects.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        suspects.as_of_month,
        suspects.window_start,
        suspects.registration_status,
        suspects.founded_date,
        {%- for code, name_zh, model, measure, active in departments %}
        cast(suspects.{{ code }}_months_with_records as integer) as {{ code }}_months_with_records,
        suspects.{{ code }}_window_total,
        {%- endfor %}
        nullif(suspects.last_active_any, date '1900-01-01') as last_active_month,
        suspects.last_active_any = date '1900-01-01' as is_never_active,
        concat_ws(
            '、'
            {%- for code, name_zh, model, measure, active in departments %},
            case when suspects.{{ code }}_months_with_records = 0 then '{{ name_zh }}' end
            {%- endfor %}
        ) as departments_without_data_zh,
        concat_ws(
            '；'
            {%- for code, name_zh, model, measure, active in departments %},
            case when suspects.{{ code }}_months_with_records > 0
                then '{{ name_zh }}: ' || cast(suspects.{{ code }}_months_with_records as {{ dbt.type_string() }})
                    || ' 个月有记录、无经营'
            end
            {%- endfor %}
        ) as evidence_zh
    from suspects
    left join firms on suspects.firm_id = firms.firm_id
)

select * from final
