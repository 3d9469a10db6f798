-- One row per promotion or demotion: the tier on the as-of date against the day before.
with assigned as (
    select * from {{ ref('int_account_tiers_assigned') }}
    where
        {{ in_as_of_range('score_date') }}
        and previous_tier is not null
        and previous_tier <> tier
),

changes as (
    select
        score_date as as_of_date,
        account_id,
        account_name,
        owner_id,
        owner_name,
        previous_tier as from_tier,
        tier as to_tier,
        case
            when {{ tier_order('tier') }} > {{ tier_order('previous_tier') }} then 'promotion'
            else 'demotion'
        end as change_type,
        -- a demotion the review calendar held back, taking effect on its review date
        coalesce(previous_tier_basis = 'review', false) as is_review_demotion,
        total_score,
        tier_reason,
        play_motion,
        play_owner_role,
        play_sla_days
    from assigned
),

final as (
    select
        *,
        coalesce(change_type in {{ in_list('activation.alert_on.change_types') }}, false)
        or coalesce(from_tier in {{ in_list('activation.alert_on.from_tiers') }}, false) as alerts_owner
    from changes
)

select * from final
