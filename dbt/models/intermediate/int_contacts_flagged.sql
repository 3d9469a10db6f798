-- Contact quality as of each score date: stale, unverified, bounced, decision-maker, with reasons.
{%- set stale_days = scoring('contacts.stale_after_days') %}
{%- set valid_days = scoring('contacts.verification_valid_days') %}
{#- The latest check counts; on the same day the later export, then any result but valid (the cautious
    reading), then the result's name: ties never fall to row order, so every run reads the same. #}
{%- set verification_order -%}
    concat(
        cast(verifications.checked_at as {{ dbt.type_string() }}), '|',
        cast(verifications.export_date as {{ dbt.type_string() }}), '|',
        case when verifications.verification_result = 'valid' then '0' else '1' end,
        coalesce(verifications.verification_result, '')
    )
{%- endset %}

with live_contacts as (
    select * from {{ ref('int_contacts_snapshotted') }}
),

verifications as (
    {{ events_in_window('stg_verifier__email_verifications', 2 * valid_days) }}
),

-- A check counts from the day it is both made and exported. Each email's best check so far (the
-- order above) is its result until a better one is seen or it falls out of the window: one span per
-- leading check, rather than every check joined to every later score date (a cost that grew with
-- the square of a backfill's dates).
checks as (
    select
        verifications.email,
        verifications.verification_result,
        verifications.checked_at,
        case
            when verifications.export_date > verifications.checked_at then verifications.export_date
            else verifications.checked_at
        end as seen_from,
        {{ verification_order }} as check_order
    from verifications
),

leading_checks as (
    select *
    from (
        select
            *,
            max(check_order) over (
                partition by email order by seen_from, check_order rows between unbounded preceding and current row
            ) as best_order_so_far
        from checks
    ) as running
    where check_order = best_order_so_far
),

verification_spans as (
    select
        email,
        verification_result,
        checked_at as verified_at,
        seen_from,
        lead(seen_from) over (partition by email order by seen_from, check_order) as next_seen_from,
        {{ dbt.dateadd('day', 2 * valid_days, 'checked_at') }} as window_ends
    from leading_checks
),

latest_verification as (
    select
        email,
        verification_result,
        verified_at,
        seen_from,
        -- the last leading check (no next one) holds until the window ends
        case when next_seen_from < window_ends then next_seen_from else window_ends end as seen_until
    from verification_spans
),

account_map as (
    select * from {{ ref('int_account_ids_mapped') }}
),

-- titles repeat across contacts: each distinct title is matched once (read from the view, not
-- the CTE above, which a second reference would hold in memory whole)
decision_maker_titles as (
    select
        title,
        {{ title_matches_any('title', scoring('contacts.decision_maker_title_patterns')) }} as is_decision_maker
    from (select distinct title from {{ ref('int_contacts_snapshotted') }}) as titles
),

joined as (
    select
        live_contacts.*,
        account_map.account_id as mapped_account_id,
        latest_verification.verification_result,
        latest_verification.verified_at,
        case when latest_verification.verification_result = 'valid' then latest_verification.verified_at end
            as valid_verified_at,
        {{ dbt.dateadd('day', -stale_days, 'live_contacts.score_date') }} as stale_before,
        {{ dbt.dateadd('day', -valid_days, 'live_contacts.score_date') }} as verification_expired_before,
        decision_maker_titles.is_decision_maker
    from live_contacts
    inner join decision_maker_titles
        on live_contacts.title is not distinct from decision_maker_titles.title
    left join account_map
        on
            live_contacts.score_date = account_map.score_date
            and live_contacts.account_id = account_map.crm_account_id
    left join latest_verification
        on
            live_contacts.email = latest_verification.email
            and live_contacts.score_date >= latest_verification.seen_from
            and live_contacts.score_date < latest_verification.seen_until
),

touched as (
    select
        *,
        case
            when valid_verified_at is null then last_activity_date
            when last_activity_date is null or valid_verified_at > last_activity_date then valid_verified_at
            else last_activity_date
        end as last_touch_date
    from joined
),

flagged as (
    select
        score_date,
        contact_id,
        mapped_account_id as account_id,
        account_id as crm_account_id,
        associated_account_ids,
        first_name,
        last_name,
        title,
        department,
        email,
        email_domain,
        is_decision_maker,
        is_bounced,
        has_left_company,
        has_opted_out,
        last_activity_date,
        verification_result,
        verified_at,
        last_touch_date,
        has_left_company
        or coalesce(last_touch_date < stale_before, true) as is_stale,
        case
            when email is null then true
            when verification_result is not null
                then verification_result <> 'valid' or verified_at < verification_expired_before
            else is_bounced or last_activity_date is null or last_activity_date < stale_before
        end as is_unverified,
        concat_ws(
            '; ',
            case when email is null then 'no email address' end,
            case when has_left_company then 'CRM marks the contact as having left the company' end,
            case when is_bounced then 'email bounced' end,
            case
                when verification_result is not null and verification_result <> 'valid'
                    then 'verifier result ' || verification_result || ' on ' || cast(verified_at as {{ dbt.type_string() }})
            end,
            case
                when verification_result = 'valid' and verified_at < verification_expired_before
                    then 'last verified ' || cast(verified_at as {{ dbt.type_string() }}) || ', over {{ valid_days }} days ago'
            end,
            case
                when verification_result is null and (last_activity_date is null or last_activity_date < stale_before)
                    then 'no verifier result and no activity in {{ stale_days }} days'
            end,
            case
                when verification_result is not null and coalesce(last_touch_date < stale_before, true)
                    then 'not verified or active in {{ stale_days }} days'
            end
        ) as quality_reasons
    from touched
),

-- usable: a contact outreach can count on, for decision-makers and buying-group roles alike
usable as (
    select
        *,
        not is_stale and not is_unverified and not is_bounced as is_usable
    from flagged
),

final as (
    select
        *,
        is_decision_maker and is_usable as is_verified_decision_maker
    from usable
)

select * from final
