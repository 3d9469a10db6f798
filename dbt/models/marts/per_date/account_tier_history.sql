-- One row per account per as-of date. Each run replaces exactly the dates it scored; every date is
-- computed from the exports up to that date only, so backfills in any order agree.
with assigned as (
    select * from {{ ref('int_account_tiers_assigned') }}
    where {{ in_as_of_range('score_date') }}
),

families as (
    select * from {{ ref('int_account_families_assigned') }}
    where {{ in_as_of_range('score_date') }}
),

-- the family is worked at the level of its hottest member
family_tiers as (
    select
        families.score_date,
        families.ultimate_parent_account_id,
        {{ tier_name('max(' ~ tier_order('tiers.tier') ~ ')') }} as family_tier
    from families
    inner join {{ ref('int_account_tiers_assigned') }} as tiers
        on
            families.score_date = tiers.score_date
            and families.account_id = tiers.account_id
    where families.family_size > 1
    group by families.score_date, families.ultimate_parent_account_id
),

final as (
    select
        assigned.score_date as as_of_date,
        assigned.account_id,
        assigned.account_name,
        assigned.domain,
        assigned.industry,
        assigned.employees,
        assigned.annual_revenue,
        assigned.country_code,
        assigned.account_type,
        assigned.owner_id,
        assigned.owner_name,
        assigned.is_owner_active,
        assigned.owner_issue,
        assigned.crm_record_count,
        assigned.fit_score,
        assigned.industry_points,
        assigned.employee_points,
        assigned.revenue_points,
        assigned.country_points,
        assigned.technology_points,
        assigned.fit_technologies,
        assigned.intent_score,
        assigned.intent_topics,
        assigned.top_intent_topic,
        assigned.top_intent_age_days,
        assigned.engagement_score,
        assigned.activity_points,
        assigned.decision_maker_points,
        assigned.total_score,
        assigned.tier,
        assigned.tier_basis,
        assigned.pending_tier,
        assigned.tier_reason,
        assigned.tier_2_cluster,
        assigned.fit_intent_quadrant,
        assigned.is_excluded,
        assigned.contacts,
        assigned.stale_contacts,
        assigned.unverified_contacts,
        assigned.verified_decision_makers,
        assigned.is_reachable,
        assigned.buying_group_coverage,
        assigned.missing_buying_roles,
        assigned.buying_group_gap,
        families.parent_account_id,
        families.parent_account_name,
        families.ultimate_parent_account_id,
        families.ultimate_parent_account_name,
        families.hierarchy_depth,
        families.family_size,
        families.hierarchy_issue,
        coalesce(family_tiers.family_tier, assigned.tier) as family_tier,
        assigned.top_intent_account_id,
        assigned.play_motion,
        assigned.play_channels,
        assigned.play_cadence,
        assigned.play_owner_role,
        assigned.play_sla_days,
        assigned.play_key
    from assigned
    left join families
        on
            assigned.score_date = families.score_date
            and assigned.account_id = families.account_id
    left join family_tiers
        on
            families.score_date = family_tiers.score_date
            and families.ultimate_parent_account_id = family_tiers.ultimate_parent_account_id
)

select * from final
