with source as (
    select * from {{ raw_source('crm_accounts') }}
),

renamed as (
    select
        account_id,
        account_name,
        website,
        domain,
        industry,
        employees,
        annual_revenue,
        {{ country_code('country') }} as country_code,
        state,
        account_type,
        owner_id,
        parent_id,
        coalesce(is_deleted, false) as is_deleted,
        merged_into_id,
        merged_record_ids,
        last_activity_date,
        created_date,
        last_modified_date,
        custom_attributes,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
