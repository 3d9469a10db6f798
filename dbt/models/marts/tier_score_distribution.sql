-- The current accounts per tier per 10-point band of total score (90-100 in the top band).
with current_tiers as (
    select * from {{ ref('account_tiers') }}
),

final as (
    select
        as_of_date,
        tier,
        least(cast(floor(total_score / 10) as integer), 9) * 10 as score_band_start,
        count(*) as accounts
    from current_tiers
    group by as_of_date, tier, least(cast(floor(total_score / 10) as integer), 9) * 10
)

select * from final
