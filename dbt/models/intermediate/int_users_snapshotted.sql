-- The CRM users each score date sees: the latest user export on or before it (no rows without one).
-- A view: stored, it would be the user export copied once per day of the score series.
{{ config(materialized='view') }}

with users as (
    {{ snapshot_as_of('stg_crm__users', 'crm_users') }}
)

select
    score_date,
    user_id,
    user_name,
    is_active
from users
