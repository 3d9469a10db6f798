-- One row per account entering a play on the as-of date: a new tier, or a tier 2 cluster with a
-- play of its own, against the day before (an account tiered for the first time, or again after a
-- gap, enters too). Its first outbound touch is due within the play's sla_days.
with assigned as (
    select * from {{ ref('int_account_tiers_assigned') }}
    where
        {{ in_as_of_range('score_date') }}
        and (previous_play_key is null or previous_play_key <> play_key)
),

final as (
    select
        score_date as as_of_date,
        account_id,
        owner_id,
        owner_name,
        tier,
        play_key,
        play_sla_days,
        {{ add_days('score_date', 'play_sla_days') }} as sla_due_date
    from assigned
)

select * from final
