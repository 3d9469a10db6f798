-- The accounts the CRM write-back updates on each as-of date: new accounts, and accounts whose tier,
-- score (to one decimal, as written to the CRM), family tier or buying-group coverage (to whole
-- percent) changed from the day before.
with history as (
    select
        as_of_date,
        account_id,
        tier,
        round(total_score, 1) as crm_score,
        tier_reason,
        family_tier,
        round(buying_group_coverage, 2) as crm_buying_group_coverage
    from {{ ref('account_tier_history') }}
    where as_of_date between {{ dbt.dateadd('day', -1, as_of_start()) }} and {{ as_of_end() }}
),

final as (
    select
        today.as_of_date,
        today.account_id,
        today.tier,
        today.crm_score,
        today.tier_reason,
        today.family_tier,
        today.crm_buying_group_coverage,
        today.tier = 'disqualified' as is_suppressed
    from history as today
    left join history as day_before
        on
            today.account_id = day_before.account_id
            and day_before.as_of_date = {{ dbt.dateadd('day', -1, 'today.as_of_date') }}
    where
        {{ in_as_of_range('today.as_of_date') }}
        and (
            day_before.account_id is null
            or day_before.tier <> today.tier
            or day_before.crm_score <> today.crm_score
            or day_before.family_tier <> today.family_tier
            or day_before.crm_buying_group_coverage <> today.crm_buying_group_coverage
        )
)

select * from final
