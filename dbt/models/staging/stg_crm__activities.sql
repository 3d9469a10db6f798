with source as (
    select * from {{ raw_source('crm_activities') }}
),

renamed as (
    select
        coalesce(activity_id, _source_file || ':' || cast(_row_number as {{ dbt.type_string() }})) as activity_id,
        account_id,
        domain,
        contact_email,
        lower(activity_type) as activity_type,
        activity_date,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
