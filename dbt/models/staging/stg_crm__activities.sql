with source as (
    select * from {{ raw_source('crm_activities') }}
),

renamed as (
    select
        coalesce(activity_id, _source_file || ':' || cast(_row_number as varchar)) as activity_id,
        account_id,
        domain,
        contact_email,
        lower(trim(activity_type)) as activity_type,
        activity_date,
        _export_date as export_date,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
