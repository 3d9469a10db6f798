-- The ranks of every day a run scored, under the fingerprint of what they were computed from, so
-- that later runs need not score those days again (macros/remembered.sql).
-- Incremental per score_date (dbt_project.yml): a run replaces the days it scored and keeps the rest.
with fingerprints as (
    {{ score_input_fingerprint_rows() }}
),

final as (
    select
        scores.account_id,
        scores.qualified_tier_rank,
        scores.retained_tier_rank,
        fingerprints.inputs_fingerprint,
        scores.score_date
    from {{ ref('int_account_scores_daily') }} as scores
    inner join fingerprints
        on scores.score_date = fingerprints.score_date
)

select * from final
