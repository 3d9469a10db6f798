-- The fit points the evidence proposes, never applied by themselves: the attribute values whose lift
-- interval lies wholly above 1 earn points, scaled within each part of the fit score by how far the
-- interval's lower bound clears 1 (so more evidence never earns fewer points), rounded to whole points;
-- those whose interval lies wholly below 1 earn none. Values the evidence cannot place either way are
-- not listed: a suggestion keeps their current points (dagster_project/discovery/candidates.py).
-- Caps follow the fit score's parts (industry 15, employee band 12, revenue band 5, target country 6,
-- technology 5 each): at most 50 together, like the fit score.
{%- set fit_caps = {'industry': 15, 'employee_band': 12, 'revenue_band': 5, 'country': 6, 'technology': 5} %}

with lift as (
    select * from {{ ref('icp_attribute_lift') }}
),

caps as (
    {{ mapping_values_of(fit_caps, 'attribute', 'max_points') }}
),

supported as (
    select
        lift.attribute,
        lift.value,
        lift.band_min,
        lift.opportunities,
        lift.wins,
        lift.lift,
        lift.lift_low,
        lift.lift_high,
        caps.max_points,
        lift.lift_low - 1 as margin
    from lift
    inner join caps on lift.attribute = caps.attribute
    where
        not lift.insufficient_support
        and (lift.lift_low > 1 or lift.lift_high < 1)
        and lift.value != 'unknown'
),

scaled as (
    select
        *,
        case
            when margin <= 0 then 0
            when attribute = 'country' then max_points
            else
                greatest(
                    1,
                    cast(round(
                        max_points * margin / max(case when margin > 0 then margin end) over (partition by attribute)
                    ) as integer)
                )
        end as points
    from supported
)

select
    attribute,
    value,
    band_min,
    points,
    opportunities,
    wins,
    lift,
    lift_low,
    lift_high
from scaled
