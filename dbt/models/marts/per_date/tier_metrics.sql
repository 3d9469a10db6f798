-- Every number the publish gate, the run's metadata, the tier report and the CLI show, one row per
-- as-of date: accounts per tier, tier 1 reachability, the day's movement, how far the tier shares
-- moved from the day before, and the contacts' quality. Built per date like the history.
with history as (
    select
        as_of_date,
        tier,
        is_reachable
    from {{ ref('account_tier_history') }}
    where as_of_date between {{ dbt.dateadd('day', -1, as_of_start()) }} and {{ as_of_end() }}
),

tier_shares as (
    select
        as_of_date,
        tier,
        cast(count(*) as double) / sum(count(*)) over (partition by as_of_date) as share
    from history
    group by as_of_date, tier
),

scored_dates as (
    select distinct as_of_date from tier_shares
),

tiers as (
    select distinct tier from tier_shares
),

-- Every tier on every date with a scored day before, so a tier that empties moves by its whole share.
date_tiers as (
    select
        scored_dates.as_of_date,
        tiers.tier
    from scored_dates
    inner join scored_dates as day_before
        on day_before.as_of_date = {{ dbt.dateadd('day', -1, 'scored_dates.as_of_date') }}
    cross join tiers
),

share_shifts as (
    select
        date_tiers.as_of_date,
        max(abs(coalesce(today.share, 0) - coalesce(day_before.share, 0))) as max_tier_share_shift
    from date_tiers
    left join tier_shares as today
        on date_tiers.as_of_date = today.as_of_date and date_tiers.tier = today.tier
    left join tier_shares as day_before
        on
            day_before.as_of_date = {{ dbt.dateadd('day', -1, 'date_tiers.as_of_date') }}
            and date_tiers.tier = day_before.tier
    group by date_tiers.as_of_date
),

tier_counts as (
    select
        as_of_date,
        count(*) as accounts,
        sum(case when tier = 'tier_1' then 1 else 0 end) as tier_1_accounts,
        sum(case when tier = 'tier_2' then 1 else 0 end) as tier_2_accounts,
        sum(case when tier = 'tier_3' then 1 else 0 end) as tier_3_accounts,
        sum(case when tier = 'disqualified' then 1 else 0 end) as disqualified_accounts,
        sum(case when tier = 'tier_1' and is_reachable then 1 else 0 end) as tier_1_reachable_accounts
    from history
    where {{ in_as_of_range('as_of_date') }}
    group by as_of_date
),

movements as (
    select
        as_of_date,
        sum(case when change_type = 'promotion' then 1 else 0 end) as promotions,
        sum(case when change_type = 'demotion' then 1 else 0 end) as demotions
    from {{ ref('account_tier_changes') }}
    where {{ in_as_of_range('as_of_date') }}
    group by as_of_date
),

contact_counts as (
    select
        score_date as as_of_date,
        count(*) as contacts,
        sum(case when is_stale then 1 else 0 end) as stale_contacts,
        sum(case when is_unverified then 1 else 0 end) as unverified_contacts,
        sum(case when is_bounced then 1 else 0 end) as bounced_contacts,
        sum(case when is_verified_decision_maker then 1 else 0 end) as verified_decision_makers
    from {{ ref('int_contacts_flagged') }}
    where {{ in_as_of_range('score_date') }}
    group by score_date
),

final as (
    select
        tier_counts.as_of_date,
        tier_counts.accounts,
        tier_counts.tier_1_accounts,
        tier_counts.tier_2_accounts,
        tier_counts.tier_3_accounts,
        tier_counts.disqualified_accounts,
        tier_counts.tier_1_reachable_accounts,
        tier_counts.tier_1_accounts - tier_counts.tier_1_reachable_accounts as tier_1_unreachable_accounts,
        case
            when tier_counts.tier_1_accounts > 0
                then cast(tier_counts.tier_1_reachable_accounts as double) / tier_counts.tier_1_accounts
            else cast(0 as double)
        end as tier_1_reachable_share,
        case
            when tier_counts.tier_1_accounts > 0
                then 1 - cast(tier_counts.tier_1_reachable_accounts as double) / tier_counts.tier_1_accounts
            else cast(0 as double)
        end as unreachable_tier_1_share,
        cast(tier_counts.disqualified_accounts as double) / tier_counts.accounts as disqualified_share,
        coalesce(movements.promotions, 0) as promotions,
        coalesce(movements.demotions, 0) as demotions,
        coalesce(movements.promotions, 0) + coalesce(movements.demotions, 0) as tier_changes,
        cast(coalesce(movements.demotions, 0) as double) / tier_counts.accounts as demotion_share,
        coalesce(share_shifts.max_tier_share_shift, 0) as max_tier_share_shift,
        coalesce(contact_counts.contacts, 0) as contacts,
        coalesce(contact_counts.stale_contacts, 0) as stale_contacts,
        coalesce(contact_counts.unverified_contacts, 0) as unverified_contacts,
        coalesce(contact_counts.bounced_contacts, 0) as bounced_contacts,
        coalesce(contact_counts.verified_decision_makers, 0) as verified_decision_makers
    from tier_counts
    left join movements on tier_counts.as_of_date = movements.as_of_date
    left join share_shifts on tier_counts.as_of_date = share_shifts.as_of_date
    left join contact_counts on tier_counts.as_of_date = contact_counts.as_of_date
)

select * from final
