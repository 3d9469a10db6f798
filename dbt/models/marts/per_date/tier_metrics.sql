-- Every number the publish gate, the run's metadata, the tier report and the CLI show, one row per
-- as-of date: accounts per tier, tier 1 reachability, the day's movement against the day before
-- (what the gate in tier_movement_checks judges), and the contacts' quality. Built per date like
-- the history.
with history as (
    select
        as_of_date,
        account_id,
        coalesce(domain, account_id) as account_key,
        tier,
        tier_basis,
        is_reachable,
        industry_points,
        employee_points,
        revenue_points,
        country_points,
        is_excluded
    from {{ ref('account_tier_history') }}
    where as_of_date between {{ dbt.dateadd('day', -1, as_of_start()) }} and {{ as_of_end() }}
),

today as (
    select * from history
    where {{ in_as_of_range('as_of_date') }}
),

-- Each account on a date beside itself the day before, by CRM id: a CRM switch changes every id and
-- compares nothing, where an export with its ids shifted compares every account with another.
day_pairs as (
    select
        today.as_of_date,
        today.tier,
        today.is_reachable,
        day_before.is_reachable as was_reachable,
        today.industry_points <> day_before.industry_points
        or today.employee_points <> day_before.employee_points
        or today.revenue_points <> day_before.revenue_points
        or today.country_points <> day_before.country_points
        or today.is_excluded <> day_before.is_excluded as firmographics_changed
    from today
    inner join history as day_before
        on
            day_before.as_of_date = {{ dbt.dateadd('day', -1, 'today.as_of_date') }}
            and today.account_id = day_before.account_id
),

pair_counts as (
    select
        as_of_date,
        count(*) as compared_accounts,
        sum(case when firmographics_changed then 1 else 0 end) as firmographic_changes,
        sum(case when tier = 'tier_1' then 1 else 0 end) as tier_1_compared_accounts,
        sum(case when tier = 'tier_1' and was_reachable and not is_reachable then 1 else 0 end) as tier_1_reach_lost
    from day_pairs
    group by as_of_date
),

-- Accounts of the day before missing on the date, by domain: a half-delivered export loses them, a
-- CRM switch (new ids, the same companies) does not.
lost_accounts as (
    select
        {{ dbt.dateadd('day', 1, 'day_before.as_of_date') }} as as_of_date,
        count(*) as accounts_day_before,
        sum(case when today.account_key is null then 1 else 0 end) as accounts_lost
    from history as day_before
    left join today
        on
            today.as_of_date = {{ dbt.dateadd('day', 1, 'day_before.as_of_date') }}
            and day_before.account_key = today.account_key
    where day_before.as_of_date < {{ as_of_end() }}
    group by day_before.as_of_date
),

contacts as (
    select
        score_date,
        contact_id,
        account_id,
        is_stale,
        is_unverified,
        is_bounced,
        is_verified_decision_maker
    from {{ ref('int_contacts_flagged') }}
    where score_date between {{ dbt.dateadd('day', -1, as_of_start()) }} and {{ as_of_end() }}
),

-- Contacts filed under another account than the day before: people change jobs a few at a time, an
-- export whose account column slipped by a row moves them all.
moved_contacts as (
    select
        today.score_date as as_of_date,
        count(*) as compared_contacts,
        sum(case when today.account_id is distinct from day_before.account_id then 1 else 0 end) as contacts_moved
    from contacts as today
    inner join contacts as day_before
        on
            day_before.score_date = {{ dbt.dateadd('day', -1, 'today.score_date') }}
            and today.contact_id = day_before.contact_id
    where {{ in_as_of_range('today.score_date') }}
    group by today.score_date
),

tier_counts as (
    select
        as_of_date,
        count(*) as accounts,
        sum(case when tier = 'tier_1' then 1 else 0 end) as tier_1_accounts,
        sum(case when tier = 'tier_2' then 1 else 0 end) as tier_2_accounts,
        sum(case when tier = 'tier_3' then 1 else 0 end) as tier_3_accounts,
        sum(case when tier = 'disqualified' then 1 else 0 end) as disqualified_accounts,
        sum(case when tier = 'tier_1' and is_reachable then 1 else 0 end) as tier_1_reachable_accounts,
        sum(case when tier_basis = 'review' then 1 else 0 end) as pending_demotions
    from today
    group by as_of_date
),

movements as (
    select
        as_of_date,
        sum(case when change_type = 'promotion' then 1 else 0 end) as promotions,
        sum(case when change_type = 'demotion' then 1 else 0 end) as demotions,
        sum(case when change_type = 'demotion' and is_review_demotion then 1 else 0 end) as review_demotions
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
    from contacts
    where {{ in_as_of_range('score_date') }}
    group by score_date
),

-- the review calendar's period each date falls in (no rows without a calendar)
review_periods as (
    {{ review_period_rows(review_dates()) }}
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
        coalesce(movements.review_demotions, 0) as review_demotions,
        coalesce(movements.promotions, 0) + coalesce(movements.demotions, 0) as tier_changes,
        coalesce(pair_counts.compared_accounts, 0) as compared_accounts,
        coalesce(pair_counts.firmographic_changes, 0) as firmographic_changes,
        coalesce(lost_accounts.accounts_day_before, 0) as accounts_day_before,
        coalesce(lost_accounts.accounts_lost, 0) as accounts_lost,
        coalesce(pair_counts.tier_1_compared_accounts, 0) as tier_1_compared_accounts,
        coalesce(pair_counts.tier_1_reach_lost, 0) as tier_1_reach_lost,
        coalesce(moved_contacts.compared_contacts, 0) as compared_contacts,
        coalesce(moved_contacts.contacts_moved, 0) as contacts_moved,
        coalesce(contact_counts.contacts, 0) as contacts,
        coalesce(contact_counts.stale_contacts, 0) as stale_contacts,
        coalesce(contact_counts.unverified_contacts, 0) as unverified_contacts,
        coalesce(contact_counts.bounced_contacts, 0) as bounced_contacts,
        coalesce(contact_counts.verified_decision_makers, 0) as verified_decision_makers,
        tier_counts.pending_demotions,
        review_periods.review_date as last_review_date,
        review_periods.next_review_date
    from tier_counts
    left join movements on tier_counts.as_of_date = movements.as_of_date
    left join pair_counts on tier_counts.as_of_date = pair_counts.as_of_date
    left join lost_accounts on tier_counts.as_of_date = lost_accounts.as_of_date
    left join moved_contacts on tier_counts.as_of_date = moved_contacts.as_of_date
    left join contact_counts on tier_counts.as_of_date = contact_counts.as_of_date
    left join review_periods
        on
            tier_counts.as_of_date >= review_periods.review_date
            and (tier_counts.as_of_date < review_periods.next_review_date or review_periods.next_review_date is null)
)

select * from final
