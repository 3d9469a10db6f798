-- Engagement activity per account and score date: its own (int_account_engagement_scored) or, when
-- hierarchy.roll_up_engagement is on, the sum over the account and its subsidiaries at every level.
-- Trigger events stay the account's own: they name its tier 2 cluster.
with engagement as (
    select * from {{ ref('int_account_engagement_scored') }}
),

{%- if scoring('hierarchy.roll_up_engagement') %}

    ancestors as (
        select * from {{ ref('int_account_ancestors_listed') }}
    ),

    summed as (
        select
            ancestors.score_date,
            ancestors.ancestor_account_id as account_id,
            sum(engagement.activity_points_raw) as activity_points_raw,
            sum(engagement.scored_activities) as scored_activities,
            sum(engagement.meetings_and_demos) as meetings_and_demos
        from ancestors
        inner join engagement
            on
                ancestors.score_date = engagement.score_date
                and ancestors.account_id = engagement.account_id
        group by ancestors.score_date, ancestors.ancestor_account_id
    ),

    final as (
        select
            summed.*,
            own.trigger_cluster,
            own.latest_trigger_date
        from summed
        left join engagement as own
            on
                summed.score_date = own.score_date
                and summed.account_id = own.account_id
    )

{%- else %}

    final as (
        select * from engagement
    )

{%- endif %}

select * from final
