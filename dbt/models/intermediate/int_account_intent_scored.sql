-- Intent (0-30) per account and score date from its own domain's topics and, when
-- hierarchy.roll_up_intent is on, its subsidiaries' at every level: per topic the strongest signal
-- across them counts once, and `top_intent_account_id` names the member whose signal leads.
with ancestors as (
    select * from {{ ref('int_account_ancestors_listed') }}
    {%- if not scoring('hierarchy.roll_up_intent') %}
        where distance = 0
    {%- endif %}
),

accounts as (
    select
        score_date,
        account_id,
        domain
    from {{ ref('int_accounts_deduplicated') }}
    where domain is not null
),

member_topics as (
    select
        ancestors.score_date,
        ancestors.ancestor_account_id as account_id,
        ancestors.account_id as member_account_id,
        ancestors.distance,
        topics.topic,
        topics.weighted_strength,
        topics.topic_points,
        topics.age_days,
        topics.signal_score
    from ancestors
    inner join accounts
        on
            ancestors.score_date = accounts.score_date
            and ancestors.account_id = accounts.account_id
    inner join {{ ref('int_intent_topics_scored') }} as topics
        on
            accounts.score_date = topics.score_date
            and accounts.domain = topics.domain
),

{{ intent_from_member_topics('member_topics', 'per_account') }}

select * from per_account
