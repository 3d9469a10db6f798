-- One row per account family (an ultimate parent with at least one subsidiary) on the latest as-of
-- date: its members, the family's scores (fit is the parent's own; intent takes the strongest
-- signal per topic across all members, once; engagement adds up the members' own activity and
-- verified decision-makers), the tier those pooled scores would earn, the family tier (the best
-- tier any member holds, as on account_tiers), the member that drives each signal, and the
-- family's buying-group coverage.
with members as (
    select * from {{ ref('account_tiers') }}
    where family_size > 1
),

member_topics as (
    select
        members.as_of_date as score_date,
        members.ultimate_parent_account_id as account_id,
        members.account_id as member_account_id,
        members.hierarchy_depth as distance,
        topics.topic,
        topics.weighted_strength,
        topics.topic_points,
        topics.age_days,
        topics.signal_score
    from members
    inner join {{ ref('int_intent_topics_scored') }} as topics
        on
            members.as_of_date = topics.score_date
            and members.domain = topics.domain
),

{{ intent_from_member_topics('member_topics', 'family_intent') }},

member_engagement as (
    select
        members.as_of_date,
        members.ultimate_parent_account_id,
        members.account_id,
        members.account_name,
        coalesce(engagement.activity_points_raw, 0) as activity_points_raw,
        members.verified_decision_makers,
        row_number() over (
            partition by members.ultimate_parent_account_id
            order by coalesce(engagement.activity_points_raw, 0) desc, members.account_id
        ) as rank_by_activity
    from members
    left join {{ ref('int_account_engagement_scored') }} as engagement
        on
            members.as_of_date = engagement.score_date
            and members.account_id = engagement.account_id
),

family_engagement as (
    select
        ultimate_parent_account_id,
        sum(activity_points_raw) as family_activity_points,
        sum(verified_decision_makers) as family_verified_decision_makers,
        max(case when rank_by_activity = 1 and activity_points_raw > 0 then account_id end) as engagement_driver_account_id,
        max(case when rank_by_activity = 1 and activity_points_raw > 0 then account_name end) as engagement_driver_account_name
    from member_engagement
    group by ultimate_parent_account_id
),

family_members as (
    select
        ultimate_parent_account_id,
        max(as_of_date) as as_of_date,
        count(*) as members,
        max(hierarchy_depth) as max_depth,
        sum(case when tier = 'tier_1' then 1 else 0 end) as tier_1_members,
        max(family_tier) as family_tier
    from members
    group by ultimate_parent_account_id
),

parent as (
    select * from members
    where account_id = ultimate_parent_account_id
),

scored as (
    select
        family_members.as_of_date,
        family_members.ultimate_parent_account_id,
        parent.account_name as ultimate_parent_account_name,
        parent.owner_id,
        family_members.members,
        family_members.max_depth,
        parent.fit_score as family_fit_score,
        coalesce(family_intent.intent_score, 0) as family_intent_score,
        family_intent.top_intent_topic as family_top_intent_topic,
        family_intent.top_intent_account_id as intent_driver_account_id,
        intent_driver.account_name as intent_driver_account_name,
        family_engagement.family_activity_points,
        family_engagement.family_verified_decision_makers,
        least(
            {{ score_cap('engagement') }},
            {{ activity_points('family_engagement.family_activity_points') }}
            + {{ decision_maker_points('family_engagement.family_verified_decision_makers') }}
        ) as family_engagement_score,
        family_engagement.engagement_driver_account_id,
        family_engagement.engagement_driver_account_name,
        parent.buying_group_coverage as family_buying_group_coverage,
        parent.missing_buying_roles as family_missing_buying_roles,
        family_members.tier_1_members,
        family_members.family_tier,
        parent.is_excluded
    from family_members
    inner join parent
        on family_members.ultimate_parent_account_id = parent.account_id
    left join family_intent
        on family_members.ultimate_parent_account_id = family_intent.account_id
    left join members as intent_driver
        on family_intent.top_intent_account_id = intent_driver.account_id
    left join family_engagement
        on family_members.ultimate_parent_account_id = family_engagement.ultimate_parent_account_id
),

totalled as (
    select
        *,
        family_fit_score + family_intent_score + family_engagement_score as family_total_score
    from scored
),

final as (
    select
        as_of_date,
        ultimate_parent_account_id,
        ultimate_parent_account_name,
        owner_id,
        members,
        max_depth,
        family_fit_score,
        family_intent_score,
        family_top_intent_topic,
        intent_driver_account_id,
        intent_driver_account_name,
        family_activity_points,
        family_verified_decision_makers,
        family_engagement_score,
        engagement_driver_account_id,
        engagement_driver_account_name,
        family_total_score,
        {{ tier_name(tier_rank('family_fit_score', 'family_intent_score', 'family_total_score', 'is_excluded')) }} as family_scores_tier,
        family_tier,
        tier_1_members,
        family_buying_group_coverage,
        family_missing_buying_roles
    from totalled
)

select * from final
