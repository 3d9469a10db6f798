{#
  The recursive step of a walk up an account hierarchy, for a `with recursive` CTE named `cte_name`
  over `relation` (score_date, account_id, `parent_column`). One row per account and ancestor:
  distance 0 is the account itself, `path` lists ids from the farthest ancestor down ('/root/child/').
  The walk stops before an account already on its path, so a cycle in an export never loops, and
  after `max_depth` levels. instr, not like: ids may hold LIKE's wildcards.
#}
{% macro walk_up(cte_name, relation, parent_column, max_depth) %}
    select
        score_date,
        account_id as start_id,
        account_id as current_id,
        {{ parent_column }} as next_id,
        0 as distance,
        '/' || account_id || '/' as path
    from {{ relation }}
    union all
    select
        {{ cte_name }}.score_date,
        {{ cte_name }}.start_id,
        parent.account_id as current_id,
        parent.{{ parent_column }} as next_id,
        {{ cte_name }}.distance + 1 as distance,
        '/' || parent.account_id || {{ cte_name }}.path as path
    from {{ cte_name }}
    inner join {{ relation }} as parent
        on
            {{ cte_name }}.score_date = parent.score_date
            and {{ cte_name }}.next_id = parent.account_id
    where
        instr({{ cte_name }}.path, '/' || parent.account_id || '/') = 0
        and {{ cte_name }}.distance < {{ max_depth }}
{% endmacro %}

{#
  Intent per group from `relation` (score_date, account_id = the group, member_account_id, distance,
  topic, weighted_strength, topic_points, age_days, signal_score): per topic the strongest member's
  signal counts once (the closest member wins a tie), topic points add up to at most 30, and the
  top topic is the heaviest (ties by name, so every engine names the same one). Emits CTEs, the
  last named `result_name`.
#}
{% macro intent_from_member_topics(relation, result_name) %}
strongest_member as (
    select
        *,
        row_number() over (
            partition by score_date, account_id, topic
            order by weighted_strength desc, distance asc, age_days asc, member_account_id asc
        ) as rank_in_topic
    from {{ relation }}
),

per_topic as (
    select
        *,
        row_number() over (
            partition by score_date, account_id
            order by weighted_strength desc, topic asc
        ) as rank_in_account
    from strongest_member
    where rank_in_topic = 1
),

{{ result_name }} as (
    select
        score_date,
        account_id,
        cast(round(least({{ score_cap('intent') }}, sum(topic_points)), 2) as double) as intent_score,
        count(*) as intent_topics,
        max(case when rank_in_account = 1 then topic end) as top_intent_topic,
        max(case when rank_in_account = 1 then age_days end) as top_intent_age_days,
        max(case when rank_in_account = 1 then signal_score end) as top_intent_signal_score,
        max(case when rank_in_account = 1 then member_account_id end) as top_intent_account_id
    from per_topic
    group by score_date, account_id
)
{% endmacro %}
