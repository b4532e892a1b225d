-- One row per firm: its latest registry record, with industry and region names from the code lists.
with records as (
    select
        *,
        row_number() over (partition by firm_id order by record_date desc) as _rank
    from {{ ref('stg_amr__registry_records') }}
),

latest as (
    select * from records where _rank = 1
),

classes as (
    select * from {{ ref('ref_industry_classes') }}
),

divisions as (
    select * from {{ ref('ref_industry_divisions') }}
),

counties as (
    select * from {{ ref('ref_counties') }}
),

cities as (
    select * from {{ ref('ref_cities') }}
),

final as (
    select
        latest.firm_id,
        latest.firm_name,
        latest.legal_form,
        latest.industry_class_code,
        classes.class_name as industry_class_name,
        classes.division_code as industry_division_code,
        divisions.division_name as industry_division_name,
        classes.section_code as industry_section_code,
        divisions.section_name as industry_section_name,
        latest.county_code,
        counties.county_name,
        counties.city_code,
        cities.city_name,
        latest.registered_capital_cny,
        latest.founded_date,
        latest.registration_status,
        latest.status_changed_date
    from latest
    left join classes on latest.industry_class_code = classes.class_code
    left join divisions on classes.division_code = divisions.division_code
    left join counties on latest.county_code = counties.county_code
    left join cities on counties.city_code = cities.city_code
)

select * from final
