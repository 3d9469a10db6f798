-- For each score threshold of the replayed rules, the candidate score that as many accounts reach on
-- the window's last date as reach the threshold in the stored history: the threshold that keeps a
-- tier's gate as wide when the points change (`abm icp` backtests its suggestions with both).
{%- set thresholds = [
    ('tiers.min_fit', 'fit_score'),
    ('tiers.tier_2.min_fit', 'fit_score'),
    ('tiers.tier_2.min_total', 'total_score'),
    ('tiers.tier_1.min_fit', 'fit_score'),
    ('tiers.tier_1.min_total', 'total_score'),
    ('tiers.quadrant.high_fit', 'fit_score'),
] %}

with current_scores as (
    select
        fit_score,
        total_score
    from {{ whatif_baseline() }}
    where as_of_date = {{ as_of_end() }}
),

candidate_scores as (
    select
        account_id,
        fit_score,
        total_score
    from {{ ref('account_tier_history') }}
    where as_of_date = {{ as_of_end() }}
),

thresholds as (
    {%- for rule, score in thresholds %}
        select
            '{{ rule }}' as rule,
            '{{ score }}' as score,
            cast({{ scoring(rule) }} as double) as threshold
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

reached as (
    select
        thresholds.rule,
        thresholds.score,
        thresholds.threshold,
        sum(
            case
                when thresholds.score = 'fit_score' and current_scores.fit_score >= thresholds.threshold then 1
                when thresholds.score = 'total_score' and current_scores.total_score >= thresholds.threshold then 1
                else 0
            end
        ) as accounts_reaching
    from thresholds
    cross join current_scores
    group by thresholds.rule, thresholds.score, thresholds.threshold
),

-- Each account's place when the candidate's scores are sorted from the top.
candidate_ranked as (
    select
        'fit_score' as score,
        cast(fit_score as double) as score_value,
        row_number() over (order by fit_score desc, account_id asc) as position
    from candidate_scores
    union all
    select
        'total_score' as score,
        cast(total_score as double) as score_value,
        row_number() over (order by total_score desc, account_id asc) as position
    from candidate_scores
)

select
    reached.rule,
    reached.score,
    reached.threshold,
    reached.accounts_reaching,
    -- nobody reaches it today: the threshold stays
    coalesce(floor(candidate_ranked.score_value), reached.threshold) as matched_threshold
from reached
left join candidate_ranked
    on
        reached.score = candidate_ranked.score
        and reached.accounts_reaching = candidate_ranked.position
