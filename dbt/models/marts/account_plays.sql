-- Each current account's play as its tier history and the account team's touches show it on the
-- latest as-of date: since when, due by when, first touched when, and whether that was on time.
with tiers as (
    select * from {{ ref('account_tiers') }}
),

plays as (
    select * from {{ ref('int_account_plays_tracked') }}
    where left_date is null
),

final as (
    select
        tiers.as_of_date,
        tiers.account_id,
        tiers.account_name,
        tiers.owner_id,
        tiers.owner_name,
        tiers.tier,
        tiers.tier_2_cluster,
        plays.play_key,
        tiers.play_motion,
        tiers.play_cadence,
        plays.entered_date as play_entered_date,
        plays.play_sla_days,
        plays.sla_due_date,
        plays.first_touch_date,
        plays.days_to_first_touch,
        plays.touches,
        plays.touches_per_week,
        plays.target_touches_per_week,
        plays.play_status
    from tiers
    inner join plays
        on tiers.account_id = plays.account_id
)

select * from final
