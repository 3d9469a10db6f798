-- Accounts per (current tier, candidate tier) on each as-of date of the window: the stored history
-- against the replay under the candidate rules.
with current_tiers as (
    select
        as_of_date,
        account_id,
        tier
    from {{ whatif_baseline() }}
    where {{ in_as_of_range('as_of_date') }}
),

-- Only the dates the history holds: a date never scored is no change of tier.
candidate_tiers as (
    select
        history.as_of_date,
        history.account_id,
        history.tier
    from {{ ref('account_tier_history') }} as history
    where history.as_of_date in (select distinct current_tiers.as_of_date from current_tiers)
),

paired as (
    select
        coalesce(current_tiers.as_of_date, candidate_tiers.as_of_date) as as_of_date,
        coalesce(current_tiers.tier, 'not_tiered') as current_tier,
        coalesce(candidate_tiers.tier, 'not_tiered') as candidate_tier
    from current_tiers
    full outer join candidate_tiers
        on
            current_tiers.as_of_date = candidate_tiers.as_of_date
            and current_tiers.account_id = candidate_tiers.account_id
)

select
    as_of_date,
    current_tier,
    candidate_tier,
    count(*) as accounts
from paired
group by as_of_date, current_tier, candidate_tier
