-- One row per promotion or demotion: the tier on the as-of date against the day before.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false
    )
}}

with assigned as (
    select * from {{ ref('int_account_tiers_assigned') }}
    where {{ in_as_of_range('score_date') }}
        and previous_tier is not null
        and previous_tier <> tier
),

final as (
    select
        score_date as as_of_date,
        account_id,
        account_name,
        owner_id,
        previous_tier as from_tier,
        tier as to_tier,
        case
            when {{ tier_order('tier') }} > {{ tier_order('previous_tier') }} then 'promotion'
            else 'demotion'
        end as change_type,
        total_score,
        tier_reason,
        play_motion,
        play_owner_role,
        play_sla_days
    from assigned
)

select * from final
