-- Does tier 1 convert better than tier 2? Opportunities from the latest CRM snapshot, grouped by the
-- account's current tier: win rate with its Wilson interval, days to win, open pipeline and average
-- won deal size; and the alarm when a tier converts below the tier under it beyond the noise.
with opportunities as (
    select * from {{ ref('int_opportunities_latest') }}
),

tiers as (
    select
        account_id,
        tier
    from {{ ref('account_tiers') }}
),

joined as (
    select
        coalesce(tiers.tier, 'not_tiered') as tier,
        opportunities.*
    from opportunities
    left join tiers
        on opportunities.account_id = tiers.account_id
),

performance as (
    select
        tier,
        {{ opportunity_outcomes() }}
    from joined
    group by tier
),

with_intervals as (
    select
        *,
        {{ win_rate_interval() }}
    from performance
),

-- A tier converts below the next one down (a worked tier, not disqualified) only when even its
-- interval's top is under the other's bottom.
compared as (
    select
        with_intervals.*,
        next_tier.tier as next_tier,
        coalesce(with_intervals.win_rate_high < next_tier.win_rate_low, false) as converts_below_next_tier
    from with_intervals
    left join with_intervals as next_tier
        on
            {{ tier_order('next_tier.tier') }} = {{ tier_order('with_intervals.tier') }} - 1
            and {{ tier_order('next_tier.tier') }} >= 1
)

select * from compared
