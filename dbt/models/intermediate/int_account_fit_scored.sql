-- Fit (0-50): firmographic and technographic match to the ICP, with each component kept.
with accounts as (
    select * from {{ ref('int_accounts_deduplicated') }}
),

industries as ({{ mapping_values('fit.industries', 'industry', 'points') }}),

employee_bands as ({{ band_values('fit.employee_bands') }}),

revenue_bands as ({{ band_values('fit.revenue_bands') }}),

technology_points as (
    {{ mapping_values('fit.technologies.signals', 'technology', 'points') }}
    union all
    {{ mapping_values('fit.technologies.competitors', 'technology', 'points') }}
),

detections as (
    select * from {{ ref('int_technographics_snapshotted') }}
),

account_technologies as (
    select
        detections.score_date,
        detections.domain,
        sum(technology_points.points) as technology_points_raw,
        {{ dbt.listagg(
            'case when technology_points.points > 0 then technology_points.technology end',
            "', '",
            'order by technology_points.points desc, technology_points.technology'
        ) }} as fit_technologies,
        {{ dbt.listagg(
            'case when technology_points.points < 0 then technology_points.technology end',
            "', '",
            'order by technology_points.technology'
        ) }} as competitor_technologies
    from detections
    inner join technology_points
        on lower(detections.technology) = lower(technology_points.technology)
    group by detections.score_date, detections.domain
),

scored as (
    select
        accounts.score_date,
        accounts.account_id,
        coalesce(industries.points, 0) as industry_points,
        coalesce(employee_bands.points, 0) as employee_points,
        coalesce(revenue_bands.points, 0) as revenue_points,
        case
            when accounts.country_code in {{ in_list('fit.target_countries.countries') }}
                then {{ scoring('fit.target_countries.points') }}
            else 0
        end as country_points,
        least({{ scoring('fit.technologies.max_points') }}, greatest(0, coalesce(account_technologies.technology_points_raw, 0)))
            as technology_points,
        account_technologies.fit_technologies,
        account_technologies.competitor_technologies,
        nullif(concat_ws(
            '; ',
            case
                when accounts.country_code in {{ in_list('exclusions.countries') }}
                    then 'excluded country ' || accounts.country_code
            end,
            case
                when lower(accounts.industry) in {{ in_list('exclusions.industries') | lower }}
                    then 'excluded industry ' || accounts.industry
            end,
            case
                when lower(accounts.account_type) in {{ in_list('exclusions.account_types') | lower }}
                    then 'excluded account type ' || accounts.account_type
            end
        ), '') as exclusion_reason
    from accounts
    left join industries
        on lower(accounts.industry) = lower(industries.industry)
    left join employee_bands
        on
            accounts.employees >= employee_bands.band_min
            and (accounts.employees < employee_bands.band_max or employee_bands.band_max is null)
    left join revenue_bands
        on
            accounts.annual_revenue >= revenue_bands.band_min
            and (accounts.annual_revenue < revenue_bands.band_max or revenue_bands.band_max is null)
    left join account_technologies
        on
            accounts.score_date = account_technologies.score_date
            and accounts.domain = account_technologies.domain
),

final as (
    select
        *,
        least({{ score_cap('fit') }}, industry_points + employee_points + revenue_points + country_points + technology_points) as fit_score,
        exclusion_reason is not null as is_excluded
    from scored
)

select * from final
