-- The current tier 2 accounts per cluster (a recent trigger event, else the industry), with the
-- cluster's play: the 1:few programs marketing runs.
with tier_2 as (
    select * from {{ ref('account_tiers') }}
    where tier = 'tier_2'
),

final as (
    select
        as_of_date,
        tier_2_cluster,
        min(play_motion) as play_motion,
        min(play_owner_role) as play_owner_role,
        count(*) as accounts,
        count(distinct owner_id) as owners,
        sum(case when is_reachable then 1 else 0 end) as reachable_accounts
    from tier_2
    group by as_of_date, tier_2_cluster
)

select * from final
