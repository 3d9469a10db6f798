with source as (
    select * from {{ raw_source('crm_users') }}
),

renamed as (
    select
        user_id,
        coalesce(user_name, nullif(trim(concat_ws(' ', first_name, last_name)), '')) as user_name,
        -- Salesforce says IsActive, HubSpot archived; a user either leaves out is active
        coalesce(is_active, not is_archived, true) as is_active,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
