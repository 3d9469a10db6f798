with source as (
    select * from {{ raw_source('technographics') }}
),

renamed as (
    select
        domain,
        trim(technology) as technology,
        category,
        first_detected,
        last_detected,
        intensity,
        _export_date as export_date,
        _source_file as source_file,
        _row_number as source_row_number
    from source
)

select * from renamed
