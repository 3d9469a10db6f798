-- The current accounts per owner and tier: who works how many accounts in each play.
with current_tiers as (
    select * from {{ ref('account_tiers') }}
),

final as (
    select
        as_of_date,
        coalesce(owner_id, 'unassigned') as owner_id,
        coalesce(max(owner_name), 'unassigned') as owner_name,
        max(owner_issue) as owner_issue,
        tier,
        count(*) as accounts,
        sum(case when is_reachable then 1 else 0 end) as reachable_accounts
    from current_tiers
    group by as_of_date, coalesce(owner_id, 'unassigned'), tier
)

select * from final
