-- One tax credit grade (纳税信用等级) per taxpayer and assessment year, published April of the next year.
with source as (
    select * from {{ source('raw', 'tax_credit_grade') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, assessment_year order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        assessment_year,
        grade,
        published_date
    from ranked
    where _rank = 1
)

select * from final
