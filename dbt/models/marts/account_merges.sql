-- CRM account records merged into one account because they share a domain (as of the run's date):
-- the survivor is the most recently modified/active record; each field comes from the most recent
-- record that has it filled.
with mapped as (
    select * from {{ ref('int_account_ids_mapped') }}
    where score_date = {{ as_of_end() }}
),

merged as (
    select
        score_date as as_of_date,
        account_id as surviving_account_id,
        crm_account_id as merged_account_id,
        domain,
        'shares domain ' || domain || ' with the surviving record' as merge_reason
    from mapped
    where is_merged_duplicate
)

select * from merged
