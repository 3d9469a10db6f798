-- The deals as the latest opportunity export on or before the run's end date lists them, each with
-- the surviving account it belongs to: what tier performance and ICP discovery count.
with snapshots as (
    select * from {{ ref('stg_crm__opportunities') }}
    where export_date <= {{ as_of_end() }}
),

latest_export as (
    select max(export_date) as export_date from snapshots
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
    where score_date = {{ as_of_end() }}
),

latest as (
    select
        snapshots.opportunity_id,
        snapshots.account_id as crm_account_id,
        account_map.account_id,
        snapshots.stage_name,
        snapshots.amount,
        snapshots.is_closed,
        snapshots.is_won,
        cast(snapshots.created_date as date) as created_date,
        cast(snapshots.close_date as date) as close_date,
        snapshots.export_date
    from snapshots
    inner join latest_export on snapshots.export_date = latest_export.export_date
    left join account_map on snapshots.account_id = account_map.crm_account_id
)

select * from latest
