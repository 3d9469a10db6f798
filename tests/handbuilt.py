"""Hand-built accounts with known inputs, appended to a generated sample's exports.

`perfect` fits the ICP perfectly, surges on configured intent topics and is engaged, so it must be
tier 1; `twin` is the same company with no intent, so it must not be (fit and intent are separate axes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

PERFECT_ID = "001HANDBUILT00001"
TWIN_ID = "001HANDBUILT00002"
ACCOUNTS = {PERFECT_ID: ("Perfect Fit Data Inc", "perfectfit-data.com"), TWIN_ID: ("Twin Fit Data Inc", "twinfit-data.com")}


def _latest_folder(landing: Path, source: str, as_of: dt.date) -> Path:
    dates = sorted(p for p in (landing / source).iterdir() if dt.date.fromisoformat(p.name) <= as_of)
    return dates[-1]


def add_handbuilt_accounts(landing: Path, as_of: dt.date) -> None:
    day = as_of.isoformat()
    recent = (as_of - dt.timedelta(days=5)).isoformat()
    header = "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry,Type,OwnerId,IsDeleted,CreatedDate"
    rows = [
        f"{account_id},{name},https://www.{domain}/,Software,2000,100000000,US,Prospect,005HAND,false,2020-01-01"
        for account_id, (name, domain) in ACCOUNTS.items()
    ]
    _write(_latest_folder(landing, "crm_accounts", as_of) / "handbuilt_accounts.csv", header, rows)

    contact_rows = []
    for n, (account_id, (_, domain)) in enumerate(ACCOUNTS.items()):
        for k, title in enumerate(["Chief Executive Officer", "VP Engineering", "Head of Data"]):
            contact_rows.append(f"003HAND{n}{k},{account_id},Pat{k},Lee{n},pat{k}.lee@{domain},{title},false,{recent},false,false")
    _write(
        _latest_folder(landing, "crm_contacts", as_of) / "handbuilt_contacts.csv",
        "Id,AccountId,FirstName,LastName,Email,Title,IsEmailBounced,LastActivityDate,HasOptedOutOfEmail,IsDeleted",
        contact_rows,
    )

    tech_rows = [f"{domain},{tech},Data,2024-01-01,{day},5" for _, domain in ACCOUNTS.values() for tech in ("Snowflake", "dbt", "Segment")]
    tech_folder = _latest_folder(landing, "technographics", as_of)
    tech_header = "Domain,Product,Category,Date First Verified,Date Last Verified,Intensity"
    if any(p.suffix == ".parquet" for p in tech_folder.iterdir()):
        tech_header = "domain,technology,category,first_detected,last_detected,intensity"
    _write(tech_folder / "handbuilt_technographics.csv", tech_header, tech_rows)

    perfect_domain = ACCOUNTS[PERFECT_ID][1]
    _write(
        landing / "intent" / day / "handbuilt_intent.csv",
        "domain,topic,score,date",
        [f"{perfect_domain},data pipelines,95,{day}", f"{perfect_domain},data integration,90,{day}"],
    )
    activity_rows = [
        f"HB-{account_id}-{kind},{account_id},{kind},{recent}"
        for account_id in ACCOUNTS
        for kind in ("demo_request", "meeting", "email_reply")
    ]
    _write(
        landing / "crm_activities" / day / "handbuilt_activities.csv", "activity_id,account_id,activity_type,activity_date", activity_rows
    )


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")
