with source as (
    select * from {{ raw_source('email_verifications') }}
),

renamed as (
    select
        email,
        case lower(result)
            when 'valid' then 'valid'
            when 'deliverable' then 'valid'
            when 'invalid' then 'invalid'
            when 'undeliverable' then 'invalid'
            when 'catch-all' then 'catch_all'
            when 'catchall' then 'catch_all'
            when 'accept_all' then 'catch_all'
            else 'unknown'
        end as verification_result,
        checked_at,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
