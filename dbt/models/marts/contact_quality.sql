-- Contact quality flags as of the run's date, one row per contact, for RevOps to work through.
-- Contacts are published by CRM id, keyed e-mail hash and domain: names, titles and addresses only
-- when publish_contact_names / publish_emails are set.
with contacts as (
    select * from {{ ref('int_contacts_flagged') }}
    where score_date = {{ as_of_end() }}
),

final as (
    select
        score_date as as_of_date,
        contact_id,
        account_id,
        crm_account_id,
        {% if var('publish_contact_names', false) %}first_name, last_name, title,{% endif %}
        {% if var('publish_emails', false) %}email,{% endif %}
        {{ keyed_hash('email') }} as email_hash,
        email_domain,
        is_decision_maker,
        is_stale,
        is_unverified,
        is_bounced,
        has_left_company,
        has_opted_out,
        is_verified_decision_maker,
        last_activity_date,
        verification_result,
        verified_at,
        last_touch_date,
        nullif(quality_reasons, '') as quality_reasons
    from contacts
)

select * from final
