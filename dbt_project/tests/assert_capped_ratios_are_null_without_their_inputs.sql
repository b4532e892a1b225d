-- capped_ratio (macros/capped_ratio.sql), the coverage and completeness ratios of
-- fct_firm_indicators and the department features: a ratio that cannot be computed is null,
-- never the cap (least() skips nulls). Each row returned is a case the macro gets wrong.
-- depends_on: {{ ref('fct_firm_indicators') }}

with cases as (
    select
        cast(null as double) as numerator,
        cast(10 as double) as denominator,
        cast(null as double) as expected
    union all
    select
        cast(5 as double) as numerator,
        cast(null as double) as denominator,
        cast(null as double) as expected
    union all
    select
        cast(5 as double) as numerator,
        cast(0 as double) as denominator,
        cast(null as double) as expected
    union all
    select
        cast(5 as double) as numerator,
        cast(10 as double) as denominator,
        cast(0.5 as double) as expected
    union all
    select
        cast(20 as double) as numerator,
        cast(10 as double) as denominator,
        cast(1 as double) as expected
)

select
    numerator,
    denominator,
    expected,
    {{ capped_ratio('numerator', 'denominator') }} as got
from cases
where {{ capped_ratio('numerator', 'denominator') }} is distinct from expected
