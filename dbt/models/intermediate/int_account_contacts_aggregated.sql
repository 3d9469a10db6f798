-- Contact coverage per account and score date: how many contacts, how many usable decision-makers.
-- A contact counts for its primary company only (the other companies a HubSpot export lists stay in raw).
with contacts as (
    select * from {{ ref('int_contacts_flagged') }}
    where account_id is not null
),

aggregated as (
    select
        score_date,
        account_id,
        count(*) as contacts,
        sum(case when is_stale then 1 else 0 end) as stale_contacts,
        sum(case when is_unverified then 1 else 0 end) as unverified_contacts,
        sum(case when is_bounced then 1 else 0 end) as bounced_contacts,
        sum(case when is_decision_maker then 1 else 0 end) as decision_makers,
        sum(case when is_verified_decision_maker then 1 else 0 end) as verified_decision_makers
    from contacts
    group by score_date, account_id
)

select * from aggregated
