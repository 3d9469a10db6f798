with source as (
    select * from {{ raw_source('crm_contacts') }}
),

renamed as (
    select
        contact_id,
        account_id,
        associated_account_ids,
        first_name,
        last_name,
        email,
        domain as email_domain,
        title,
        department,
        coalesce(is_email_bounced, false)
        or email_bounced_date is not null
        or email_bounced_reason is not null as is_bounced,
        email_bounced_date,
        email_bounced_reason,
        last_activity_date,
        coalesce(has_opted_out, false) as has_opted_out,
        coalesce(has_left_company, false) as has_left_company,
        coalesce(is_deleted, false) as is_deleted,
        last_modified_date,
        {{ raw_metadata_columns() }}
    from source
)

select * from renamed
