with source as (
    select * from {{ raw_source('intent') }}
),

renamed as (
    select
        domain,
        company_name,
        trim(topic) as topic,
        score,
        score_delta,
        signal_date,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
