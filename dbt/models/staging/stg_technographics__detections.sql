with source as (
    select * from {{ raw_source('technographics') }}
),

renamed as (
    select
        domain,
        technology,
        category,
        first_detected,
        last_detected,
        intensity,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
