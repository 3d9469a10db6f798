-- Does running the play on time convert better? Opportunities created while the account was in a
-- play whose SLA is decided, by the play's tier and whether its first touch met the SLA: win rate
-- with its Wilson interval, days to win and pipeline.
with opportunities as (
    select * from {{ ref('int_opportunities_latest') }}
),

plays as (
    select * from {{ ref('int_account_plays_tracked') }}
    where play_status in ('on_time', 'late', 'overdue')
),

joined as (
    select
        plays.tier,
        case when plays.play_status = 'on_time' then 'met' else 'missed' end as sla,
        opportunities.*
    from opportunities
    inner join plays
        on
            opportunities.account_id = plays.account_id
            and opportunities.created_date >= plays.entered_date
            and (plays.left_date is null or opportunities.created_date < plays.left_date)
),

performance as (
    select
        tier,
        sla,
        {{ opportunity_outcomes() }}
    from joined
    group by tier, sla
),

final as (
    select
        *,
        {{ win_rate_interval() }}
    from performance
)

select * from final
