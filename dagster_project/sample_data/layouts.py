"""How each source's export looks on a given day: the tool that wrote it, its headers and file format.

Queries are `string.Template`s over the generator's `companies` and `contacts` tables; `$d` is the
export date, `$k` the day's index in the sample and `$days` the sample's length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CSV = "format csv, header true"


@dataclass(frozen=True)
class Layout:
    file_name: str
    query: str
    copy_options: str = CSV
    byte_order_mark: bool = False


_MESSY_WEBSITE = """
    case cast(floor(u('web', i) * 6) as integer)
        when 0 then domain when 1 then 'www.' || domain when 2 then 'https://' || domain
        when 3 then 'https://www.' || domain || '/' when 4 then upper('http://www.' || domain)
        else domain || '.'
    end"""

# Every account, plus a second record under another name for ~3% of companies (a CRM duplicate).
_CRM_ACCOUNTS = f"""
    select account_id, account_name, {_MESSY_WEBSITE} as website, industry, employees, annual_revenue,
           country, state, account_type, owner_id, cast(null as varchar) as parent_id, is_deleted,
           date '$d' - cast(floor(u('la', i) * 60) as integer) as last_activity_date, created_date,
           case when u('desc', i) < 0.2 then 'Leading ' || lower(coalesce(industry, 'services'))
                || ' company, founded ' || cast(1950 + i % 70 as varchar) || '.' || chr(10) || 'Key account, see notes'
           end as description,
           case when u('bad', i * 1000 + $k) < 0.001 then 'approx. ' || cast(employees as varchar)
                else cast(employees as varchar) end as employees_text
    from companies
    union all
    select '001' || lpad(cast(1000000000 + i as varchar), 15, '0'), upper(account_name) || ', INC.',
           'https://WWW.' || upper(domain) || '/about', null, employees, null, country, null, 'Prospect',
           owner_id, null, false, date '$d' - 400, created_date - 900, null, cast(employees as varchar)
    from companies where has_duplicate
    order by account_id
"""

_SF_ACCOUNT_COLUMNS = """
    account_id as "Id", account_name as "Name", website as "Website", industry as "Industry",
    employees_text as "NumberOfEmployees", annual_revenue as "AnnualRevenue", country as "BillingCountry",
    state as "BillingState", account_type as "Type", owner_id as "OwnerId", parent_id as "ParentId",
    is_deleted as "IsDeleted", last_activity_date as "LastActivityDate",
    strftime(created_date, '%Y-%m-%dT%H:%M:%S.000Z') as "CreatedDate", description as "Description"
"""

_CRM_CONTACTS = """
    select *, case when missing_email then null
                   else lower(first_name || '.' || replace(last_name, 'ü', 'ue')) || '@' || domain end as email,
           case when is_bounced then date '$d' - cast(floor(u('bd', i) * 300) as integer) end as bounced_date
    from contacts
"""

_OPPORTUNITIES = """
    with opps as (
        select c.*, j, pick(opportunity_stages(), 'stg', i * 4 + j) as stage
        from companies c, unnest(range(1 + cast(floor(u('nop', i) * 2) as integer))) t(j)
        where u('opp', i) < 0.25
    )
    select '006' || lpad(cast(i * 4 + j as varchar), 15, '0') as opportunity_id, account_id,
           account_name || ' - ' || case j when 0 then 'New Business' else 'Expansion' end as opportunity_name,
           stage, round(annual_revenue * (0.001 + 0.004 * u('amt', i * 4 + j)), -2) as amount,
           date '$d' + cast(floor(u('cd', i * 4 + j) * 240) as integer) - 120 as close_date,
           stage like 'Closed%' as is_closed, stage = 'Closed Won' as is_won,
           date '$d' - cast(floor(u('oc', i * 4 + j) * 400) as integer) - 120 as created_date
    from opps
    order by opportunity_id
"""

_ACTIVITIES = """
    select 'ACT-' || $k || '-' || i as activity_id,
           case when u('adom', i * 1000 + $k) < 0.8 then account_id end as account_id,
           case when u('adom', i * 1000 + $k) >= 0.8 then 'www.' || domain end as email_domain,
           pick(activity_types(), 'aty', i * 1000 + $k) as activity_type,
           date '$d' as activity_date
    from companies
    where engagement_propensity > 0.55 and u('aday', i * 1000 + $k) < (engagement_propensity - 0.55) * 0.6
    union all
    select 'TRG-' || i, account_id, null, trigger_event, date '$d'
    from companies
    where trigger_event is not null and cast(floor(u('trgday', i) * $days) as integer) = $k
    order by activity_id
"""

_TECHNOLOGIES = """
    with slots as (
        select c.*, cast(floor(u('tech', i * 16 + j) * 16) as integer) as t
        from companies c, unnest(range(cast(floor(u('ntech', i) * 6) as integer))) s(j)
    )
    select distinct i, domain, fit_technologies()[1 + t] as technology, tech_categories()[1 + t] as category,
           least(created_date + cast(floor(u('fd', i * 16 + t) * 300) as integer), date '$d') as first_detected,
           date '$d' - cast(floor(u('ld', i * 16 + t) * 20) as integer) as last_detected,
           cast(floor(u('inten', i * 16 + t) * 10) as integer) as intensity
    from slots
    order by i, technology
"""

# Weekly Bombora-style surge over every tracked topic: each in-market company surges on one scored
# topic around its surge_center.
_BOMBORA = """
    with weekly as (
        select c.*, t.topic,
               least(99, round(intent_base + case when t.topic = surge_topic then
                   surge_amplitude * exp(-pow((date_diff('day', surge_center, date '$d')) / 10.0, 2)) else
                   15 * u('tn', i * 100 + $k) end)) as composite
        from companies c, unnest(tracked_topics()) t(topic)
        where has_intent
    )
    select account_name as "Company Name", domain as "Domain",
           case when employees < 200 then 'Small' when employees < 1000 then 'Medium' else 'Large' end
               as "Company Size",
           coalesce(industry, 'Unknown') as "Industry", 'T' || (hash(topic) % 9000 + 1000) as "Topic ID",
           topic as "Topic Name", cast(composite as integer) as "Composite Score",
           cast(floor(u('dl', i * 100 + $k) * 20) - 5 as integer) as "Composite Score Delta",
           strftime(date_trunc('week', date '$d'), '%m/%d/%Y') as "Week Start Date"
    from weekly
    where composite >= 35
    order by i, topic
"""

_FIRST_PARTY_INTENT = """
    select upper('www.' || domain) as domain, surge_topic as topic,
           cast(40 + floor(55 * u('fps', i * 1000 + $k)) as integer) as score, date '$d' as date
    from companies
    where has_intent and u('fp', i * 1000 + $k) < 0.08
    order by i
"""

_VERIFICATIONS = """
    select lower(first_name || '.' || replace(last_name, 'ü', 'ue')) || '@' || domain as email,
           case when is_bounced then 'invalid' else pick(verifier_results(), 'vr', i * 64 + length(contact_id)) end
               as result,
           strftime(date '$d' - cast(floor(u('vd', i * 64 + length(contact_id)) * 400) as integer), '%m/%d/%Y')
               as checked_at
    from contacts
    where r_verify < 0.5 and not missing_email
    order by contact_id
"""

LAYOUTS: dict[str, dict[str, Layout]] = {
    "crm_accounts": {
        "salesforce": Layout("Account.csv", f"select {_SF_ACCOUNT_COLUMNS} from ({_CRM_ACCOUNTS})"),
        "salesforce_gzip": Layout(
            "Account_extract.csv.gz", f"select {_SF_ACCOUNT_COLUMNS} from ({_CRM_ACCOUNTS})", CSV + ", compression gzip"
        ),
        "salesforce_loader": Layout(
            "accounts.parquet",
            f"""select account_id as id, account_name as name, website, industry,
                       employees as number_of_employees, annual_revenue, country as billing_country,
                       state as billing_state, account_type as type, owner_id, parent_id, is_deleted,
                       last_activity_date, created_date
                from ({_CRM_ACCOUNTS})""",
            "format parquet",
        ),
        "hubspot_ui": Layout(
            "hubspot-crm-exports-all-companies.csv",
            f"""select account_id as "Record ID", account_name as "Company name",
                       website as "Company Domain Name", industry as "Industry",
                       format('{{:,}}', employees) as "Number of Employees",
                       annual_revenue as "Annual Revenue", country as "Country/Region",
                       strftime(created_date, '%m/%d/%Y') as "Create Date",
                       strftime(last_activity_date, '%m/%d/%Y') as "Last Activity Date"
                from ({_CRM_ACCOUNTS}) where not is_deleted""",
            byte_order_mark=True,
        ),
    },
    "crm_contacts": {
        "salesforce": Layout(
            "Contact.csv",
            f"""select contact_id as "Id", account_id as "AccountId", first_name as "FirstName",
                       last_name as "LastName", email as "Email", title as "Title",
                       pick(departments(), 'dep', i) as "Department", is_bounced as "IsEmailBounced",
                       bounced_date as "EmailBouncedDate",
                       case when is_bounced then '550 5.1.1 mailbox unavailable' end as "EmailBouncedReason",
                       last_activity_date as "LastActivityDate", opted_out as "HasOptedOutOfEmail",
                       false as "IsDeleted", has_left as "No_Longer_With_Company__c",
                       strftime(date '$d', '%Y-%m-%dT02:00:00.000Z') as "LastModifiedDate"
                from ({_CRM_CONTACTS})""",
        ),
        "hubspot_ui": Layout(
            "hubspot-crm-exports-all-contacts.csv",
            f"""select contact_id as "Record ID", first_name as "First Name", last_name as "Last Name",
                       email as "Email", title as "Job Title", account_id as "Associated Company ID",
                       strftime(last_activity_date, '%m/%d/%Y') as "Last Activity Date",
                       case when is_bounced then 'Hard bounce: mailbox unavailable' end as "Email hard bounce reason"
                from ({_CRM_CONTACTS}) where not has_left""",
            "format csv, header true, delimiter ';'",
            byte_order_mark=True,
        ),
    },
    "crm_opportunities": {
        "salesforce": Layout(
            "Opportunity.csv",
            f"""select opportunity_id as "Id", account_id as "AccountId", opportunity_name as "Name",
                       stage as "StageName", amount as "Amount", close_date as "CloseDate",
                       is_closed as "IsClosed", is_won as "IsWon", created_date as "CreatedDate"
                from ({_OPPORTUNITIES})""",
        ),
        "salesforce_loader": Layout(
            "opportunity.csv",
            f"""select opportunity_id as id, account_id, opportunity_name as name, stage as stage_name,
                       amount, close_date, is_closed, is_won, created_date from ({_OPPORTUNITIES})""",
        ),
    },
    "crm_activities": {
        "csv": Layout("activities.csv", _ACTIVITIES),
        "csv_gzip": Layout("activities.csv.gz", _ACTIVITIES, CSV + ", compression gzip"),
        "jsonl": Layout("activities.jsonl", _ACTIVITIES, "format json"),
    },
    "technographics": {
        "hg_insights": Layout(
            "hg_insights_install_base.csv",
            f"""select domain as "Domain", technology as "Product", category as "Category",
                       strftime(first_detected, '%Y-%m-%d') as "Date First Verified",
                       strftime(last_detected, '%Y-%m-%d') as "Date Last Verified", intensity as "Intensity"
                from ({_TECHNOLOGIES})""",
        ),
        "builtwith": Layout(
            "builtwith_export.parquet",
            f"""select {_MESSY_WEBSITE} as "Domain", technology as "Technology", category as "Tag",
                       first_detected as "First Detected", last_detected as "Last Detected"
                from ({_TECHNOLOGIES})""",
            "format parquet",
        ),
    },
    "intent": {
        "bombora": Layout("bombora_company_surge.csv", _BOMBORA),
        "first_party": Layout("first_party_intent.jsonl", _FIRST_PARTY_INTENT, "format json"),
    },
    "email_verifications": {
        "neverbounce": Layout("verifier_results.csv", _VERIFICATIONS),
    },
}


def layouts_for(source: str, k: int, export_date: dt.date) -> list[str]:
    """Which layouts a source is exported in on day k (an empty list: no export that day)."""
    if source == "crm_accounts":
        if k % 7 == 3:
            return ["hubspot_ui"]
        if k % 5 == 1:
            return ["salesforce_loader"]
        return ["salesforce_gzip"] if k % 6 == 4 else ["salesforce"]
    if source == "crm_contacts":
        return ["hubspot_ui"] if k % 7 == 3 else ["salesforce"]
    if source == "crm_opportunities":
        return ["salesforce_loader"] if k % 4 == 2 else ["salesforce"]
    if source == "crm_activities":
        return [("csv", "jsonl", "csv_gzip")[k % 3]]
    if source == "technographics":
        return [("hg_insights", "builtwith")[(k // 7) % 2]] if k % 7 == 0 else []
    if source == "intent":
        weekly = ["bombora"] if export_date.isoweekday() == 1 or k == 0 else []
        return weekly + ["first_party"]
    if source == "email_verifications":
        return ["neverbounce"] if k % 7 == 0 else []
    raise ValueError(f"unknown source {source!r}")
