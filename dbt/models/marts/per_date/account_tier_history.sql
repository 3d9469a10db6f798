-- One row per account per as-of date. Each run replaces exactly the dates it scored; every date is
-- computed from the exports up to that date only, so backfills in any order agree.
with assigned as (
    select * from {{ ref('int_account_tiers_assigned') }}
    where {{ in_as_of_range('score_date') }}
),

final as (
    select
        score_date as as_of_date,
        account_id,
        account_name,
        domain,
        industry,
        employees,
        annual_revenue,
        country_code,
        account_type,
        owner_id,
        crm_record_count,
        fit_score,
        industry_points,
        employee_points,
        revenue_points,
        country_points,
        technology_points,
        fit_technologies,
        intent_score,
        intent_topics,
        top_intent_topic,
        top_intent_age_days,
        engagement_score,
        activity_points,
        decision_maker_points,
        total_score,
        tier,
        tier_basis,
        tier_reason,
        tier_2_cluster,
        fit_intent_quadrant,
        is_excluded,
        contacts,
        stale_contacts,
        unverified_contacts,
        verified_decision_makers,
        is_reachable,
        buying_group_coverage,
        missing_buying_roles,
        buying_group_gap,
        parent_account_id,
        parent_account_name,
        ultimate_parent_account_id,
        ultimate_parent_account_name,
        hierarchy_depth,
        family_size,
        hierarchy_issue,
        family_tier,
        top_intent_account_id,
        play_motion,
        play_channels,
        play_cadence,
        play_owner_role,
        play_sla_days
    from assigned
)

select * from final
