with source as (
    select * from {{ raw_source('crm_opportunities') }}
),

renamed as (
    select
        opportunity_id,
        account_id,
        opportunity_name,
        stage_name,
        amount,
        close_date,
        coalesce(is_closed, stage_name like 'Closed%') as is_closed,
        coalesce(is_won, stage_name = 'Closed Won') as is_won,
        created_date,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
