-- The tier per account and date: the hysteresis tier (held until the next review with a review
-- calendar), with tier 1 capped at tiers.tier_1_cap (the
-- highest totals win, ties broken by fit then account id; pinned tier 1 accounts take their slots
-- first) and active sales overrides winning over the scores.
{{ config(materialized='view') }}
{%- set tier_1_cap = scoring('tiers.tier_1_cap') %}

with held as (
    select * from {{ ref('int_account_tiers_held') }}
),

overrides as (
    select * from {{ ref('tier_overrides') }}
),

with_overrides as (
    select
        held.*,
        overrides.tier as override_tier,
        overrides.reason as override_reason,
        overrides.owner as override_owner,
        overrides.expires_on as override_expires_on
    from held
    left join overrides
        on
            held.account_id = cast(overrides.account_id as {{ dbt.type_string() }})
            and held.score_date <= overrides.expires_on
),

positioned as (
    select
        *,
        row_number() over (
            partition by score_date, case when held_tier_rank = 3 and override_tier is null then 1 else 0 end
            order by total_score desc, fit_score desc, account_id asc
        ) as tier_1_position,
        sum(case when override_tier = 'tier_1' then 1 else 0 end) over (partition by score_date) as pinned_tier_1
    from with_overrides
),

capped as (
    select
        *,
        case
            when held_tier_rank = 3 and override_tier is null and tier_1_position > {{ tier_1_cap }} - pinned_tier_1 then 2
            else held_tier_rank
        end as capped_tier_rank
    from positioned
),

final as (
    select
        *,
        coalesce(override_tier, {{ tier_name('capped_tier_rank') }}) as tier,
        case
            when override_tier is not null then 'override'
            when capped_tier_rank < held_tier_rank then 'tier_1_cap'
            when pending_tier_rank is not null then 'review'
            when held_tier_rank > qualified_tier_rank then 'hysteresis'
            else 'scores'
        end as tier_basis
    from capped
),

-- the tier a held account falls to at the next review, shown only while the review holds it
pending as (
    select
        *,
        case
            when tier_basis = 'review' then {{ tier_name('pending_tier_rank') }}
        end as pending_tier
    from final
)

select * from pending
