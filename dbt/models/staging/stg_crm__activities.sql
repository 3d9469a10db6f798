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
        owner_id,
        {{ activity_direction('direction', 'activity_type') }} as direction,
        coalesce(lower(status) in {{ in_list('adherence.open_statuses') }}, false) as is_open,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
