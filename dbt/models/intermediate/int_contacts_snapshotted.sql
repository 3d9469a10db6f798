-- The contacts each score date sees: the latest CRM contact export on or before it, live records only.
-- A view: stored, it would be the contact export copied once per day of the score series.
{{ config(materialized='view') }}

with contacts as (
    {{ snapshot_as_of('stg_crm__contacts', 'crm_contacts') }}
),

live as (
    select * from contacts
    where not is_deleted
)

select * from live
