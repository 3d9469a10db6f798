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
        _source_file as source_file,
        _export_date as export_date,
        _row_number as source_row_number
    from source
)

select * from renamed
