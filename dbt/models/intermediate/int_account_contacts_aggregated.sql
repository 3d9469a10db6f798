-- Contact coverage per account and score date: how many contacts, how many usable decision-makers.
-- A contact associated with several companies counts for each of their accounts.
with associations as (
    select * from {{ ref('int_contact_accounts_associated') }}
),

contacts as (
    select * from {{ ref('int_contacts_flagged') }}
),

aggregated as (
    select
        associations.score_date,
        associations.account_id,
        count(*) as contacts,
        sum(case when contacts.is_stale then 1 else 0 end) as stale_contacts,
        sum(case when contacts.is_unverified then 1 else 0 end) as unverified_contacts,
        sum(case when contacts.is_bounced then 1 else 0 end) as bounced_contacts,
        sum(case when contacts.is_decision_maker then 1 else 0 end) as decision_makers,
        sum(case when contacts.is_verified_decision_maker then 1 else 0 end) as verified_decision_makers
    from associations
    inner join contacts
        on
            associations.score_date = contacts.score_date
            and associations.contact_id = contacts.contact_id
    group by associations.score_date, associations.account_id
)

select * from aggregated
