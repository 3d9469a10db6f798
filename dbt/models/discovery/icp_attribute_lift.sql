-- What the won deals share: per attribute value, the closed deals described at creation, their wins,
-- the win rate shrunk towards the overall rate, its lift over the overall rate with a 95 % Wilson
-- interval, the weight of evidence, and the information value of the attribute (of the value itself,
-- present or absent, for multi-valued attributes). Thin evidence is marked and never ranked first.
{%- set settings = scoring('discovery') %}

with listed as (
    select * from {{ ref('int_opportunity_attributes_listed') }}
),

overall as (
    select
        count(*) as total_opportunities,
        sum(case when is_won then 1 else 0 end) as total_wins,
        count(*) - sum(case when is_won then 1 else 0 end) as total_losses,
        cast(sum(case when is_won then 1 else 0 end) as double) / count(*) as overall_win_rate
    from {{ ref('int_opportunity_accounts_as_of') }}
    where described_as_of is not null
),

counted as (
    select
        attribute,
        value,
        max(band_min) as band_min,
        max(case when is_multi_valued then 1 else 0 end) = 1 as is_multi_valued,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as wins
    from listed
    group by attribute, value
),

evidence as (
    select
        counted.attribute,
        counted.value,
        case when counted.is_multi_valued then counted.attribute || ': ' || counted.value else counted.attribute end as feature,
        counted.band_min,
        counted.is_multi_valued,
        counted.opportunities,
        counted.wins,
        counted.opportunities - counted.wins as losses,
        overall.total_opportunities,
        overall.total_wins,
        overall.total_losses,
        overall.overall_win_rate,
        cast(counted.wins as double) / counted.opportunities as win_rate,
        {{ shrunk_rate('counted.wins', 'counted.opportunities', 'overall.overall_win_rate', settings.shrinkage) }} as shrunk_win_rate,
        {{ wilson_bound('counted.wins', 'counted.opportunities', -1) }} as win_rate_low,
        {{ wilson_bound('counted.wins', 'counted.opportunities', 1) }} as win_rate_high,
        counted.opportunities < greatest({{ settings.min_opportunities }}, {{ settings.min_share }} * overall.total_opportunities)
        or counted.wins < {{ settings.min_wins }} as insufficient_support
    from counted
    cross join overall
    where overall.total_wins > 0 and overall.total_losses > 0
),

weighed as (
    select
        *,
        {{ weight_of_evidence('wins', 'losses', 'total_wins', 'total_losses') }} as weight_of_evidence,
        case
            when is_multi_valued
                then
                    {{ information_value_part('wins', 'losses', 'total_wins', 'total_losses') }}
                    + {{ information_value_part('total_wins - wins', 'total_losses - losses', 'total_wins', 'total_losses') }}
            when not insufficient_support
                then {{ information_value_part('wins', 'losses', 'total_wins', 'total_losses') }}
            else 0
        end as information_value_part
    from evidence
),

-- The thinly supported values of a single-valued attribute count as one pooled bin, so an attribute
-- with many rare values (countries) does not gain information value from their noise.
pooled as (
    select
        feature,
        {{ information_value_part('sum(wins)', 'sum(losses)', 'max(total_wins)', 'max(total_losses)') }} as information_value_part
    from evidence
    where insufficient_support and not is_multi_valued
    group by feature
),

feature_information as (
    select
        feature,
        sum(information_value_part) as information_value
    from (
        select
            feature,
            information_value_part
        from weighed
        union all
        select
            feature,
            information_value_part
        from pooled
    ) as parts
    group by feature
),

-- Published to six decimals; ranks and flags read the published values.
rounded as (
    select
        weighed.attribute,
        weighed.value,
        weighed.feature,
        weighed.band_min,
        weighed.opportunities,
        weighed.wins,
        round(weighed.win_rate, 6) as win_rate,
        round(weighed.shrunk_win_rate, 6) as shrunk_win_rate,
        round(weighed.overall_win_rate, 6) as overall_win_rate,
        round(weighed.shrunk_win_rate / weighed.overall_win_rate, 6) as lift,
        round(weighed.win_rate_low / weighed.overall_win_rate, 6) as lift_low,
        round(weighed.win_rate_high / weighed.overall_win_rate, 6) as lift_high,
        round(weighed.weight_of_evidence, 6) as weight_of_evidence,
        round(feature_information.information_value, 6) as information_value,
        weighed.insufficient_support,
        weighed.total_opportunities,
        weighed.total_wins,
        {{ as_of_end() }} as as_of_date
    from weighed
    inner join feature_information on weighed.feature = feature_information.feature
)

select
    *,
    information_value > {{ settings.leak_information_value }} as possible_leak,
    row_number() over (order by insufficient_support asc, lift desc, attribute asc, value asc) as lift_rank,
    dense_rank() over (order by information_value desc, feature asc) as feature_rank
from rounded
