-- One social-insurance record per employer and contribution month, amounts in CNY.
with source as (
    select * from {{ source('raw', 'hrss_insured') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by uscc, period_month order by _delivery desc, _file desc, _line desc
        ) as _rank
    from source
),

final as (
    select
        uscc as firm_id,
        period_month,
        pension_insured,
        unemployment_insured,
        medical_insured,
        injury_insured,
        maternity_insured,
        {{ to_cny('contribution_base') }} as contribution_base_cny,
        {{ to_cny('contributions_due') }} as contributions_due_cny,
        {{ to_cny('contributions_paid') }} as contributions_paid_cny,
        {{ to_cny('arrears_balance') }} as arrears_balance_cny
    from ranked
    where _rank = 1
)

select * from final
