-- The final tier per account and date: the explained tier with its play (a tier 2 cluster's own
-- play first), its owner by name, and the tier and play the day before.
with explained as (
    select * from {{ ref('int_account_tiers_explained') }}
),

plays as ({{ plays_values() }}),

-- who an owner id is, as the CRM's user export on or before the date says
users as (
    select * from {{ ref('int_users_snapshotted') }}
),

with_plays as (
    select
        explained.*,
        case
            when explained.buying_group_gap is not null
                then
                    'Source verified contacts first ('
                    || explained.missing_buying_roles || '), then: '
            else ''
        end
        || coalesce(cluster_plays.play_motion, tier_plays.play_motion) as play_motion,
        coalesce(cluster_plays.play_channels, tier_plays.play_channels) as play_channels,
        coalesce(cluster_plays.play_cadence, tier_plays.play_cadence) as play_cadence,
        coalesce(cluster_plays.play_owner_role, tier_plays.play_owner_role) as play_owner_role,
        coalesce(cluster_plays.play_sla_days, tier_plays.play_sla_days) as play_sla_days,
        coalesce(cluster_plays.play_key, tier_plays.play_key) as play_key,
        coalesce(users.user_name, explained.owner_id) as owner_name,
        users.is_active as is_owner_active,
        case when not users.is_active then 'owner left: reassign' end as owner_issue
    from explained
    left join plays as tier_plays
        on explained.tier = tier_plays.play_key
    left join plays as cluster_plays
        on
            cluster_plays.play_key = 'tier_2:' || explained.trigger_cluster
            and explained.tier = 'tier_2'
    left join users
        on
            explained.score_date = users.score_date
            and explained.owner_id = users.user_id
),

changes as (
    select
        *,
        -- the tier on the day before, only if the account was tiered that day
        case
            when lag(score_date) over by_account = {{ dbt.dateadd('day', -1, 'score_date') }}
                then lag(tier) over by_account
        end as previous_tier,
        case
            when lag(score_date) over by_account = {{ dbt.dateadd('day', -1, 'score_date') }}
                then lag(tier_basis) over by_account
        end as previous_tier_basis,
        case
            when lag(score_date) over by_account = {{ dbt.dateadd('day', -1, 'score_date') }}
                then lag(play_key) over by_account
        end as previous_play_key
    from with_plays
    window by_account as (partition by account_id order by score_date)
)

select * from changes
