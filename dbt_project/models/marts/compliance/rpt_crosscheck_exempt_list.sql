-- 智联查 免检名单: filed annual reports whose every compared item agrees with the departments'
-- data; these firms are exempt from the on-site (random) inspection of their annual report.
with outcomes as (
    select * from {{ ref('fct_crosscheck_firm_years') }}
    where check_outcome = 'exempt'
),

firms as (
    select * from {{ ref('dim_firm') }}
),

final as (
    select
        outcomes.report_id,
        outcomes.firm_id,
        firms.firm_name,
        firms.city_name,
        firms.county_name,
        outcomes.report_year,
        outcomes.checks_compared,
        outcomes.departments_compared_zh
    from outcomes
    left join firms on outcomes.firm_id = firms.firm_id
)

select * from final
