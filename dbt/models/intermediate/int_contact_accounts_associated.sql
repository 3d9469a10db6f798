-- The accounts each contact counts for per score date: its primary account, and every other company
-- a HubSpot export lists in Associated Company IDs (`123;456`), each mapped through merges.
with contacts as (
    select * from {{ ref('int_contacts_flagged') }}
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
),

listed as (
    select
        score_date,
        contact_id,
        {{ split_to_rows('associated_account_ids', "';'") }} as crm_account_id
    from contacts
    where associated_account_ids is not null
),

secondary as (
    select
        listed.score_date,
        listed.contact_id,
        account_map.account_id,
        false as is_primary
    from listed
    inner join account_map
        on
            listed.score_date = account_map.score_date
            and account_map.crm_account_id = trim(listed.crm_account_id)
),

primary_account as (
    select
        score_date,
        contact_id,
        account_id,
        true as is_primary
    from contacts
    where account_id is not null
),

associations as (
    select
        score_date,
        contact_id,
        account_id,
        {{ dbt.bool_or("is_primary") }} as is_primary
    from (
        select * from primary_account
        union all
        select * from secondary
    ) as both_kinds
    group by score_date, contact_id, account_id
)

select * from associations
