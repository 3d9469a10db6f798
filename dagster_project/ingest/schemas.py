"""The raw contract: the canonical columns and types every export is mapped to, one schema per source.

This is the only place the raw layout is spelled: the loader writes it, and dbt's
`models/staging/__sources.yml` is generated from it (`abm prepare`; a test fails when they drift).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text, id, integer, number, date or boolean
    required: bool = False  # every row must have a value (a row without one is rejected)
    in_contract: bool = False  # every export must have the column (most rows carry a value)
    description: str = ""


@dataclass(frozen=True)
class SourceSchema:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Which canonical text column is reduced to a normalised `domain` (a website, a domain or an email).
    domain_from: str | None = None
    # Which canonical text column is lower-cased and trimmed as an email address.
    email_column: str | None = None
    # Scoring cannot run without an export of this source (the others only enrich it).
    required_for_scoring: bool = False
    # What the tiers lack while an optional source has no export.
    when_missing: str = ""
    # Events (intent, activities, verifier results): an export may hold none on a quiet day, so an
    # empty or header-only file is zero rows, where a snapshot's would be a broken delivery.
    events: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def contract(self) -> list[str]:
        """Columns an export cannot do without: without them it loads, and scores, wrongly."""
        return [c.name for c in self.columns if c.required or c.in_contract]

    @property
    def needed_in_header(self) -> list[str]:
        return self.contract

    @property
    def output_columns(self) -> tuple[Column, ...]:
        """What the loader writes: the columns, the domain derived at ingest, and each row's lineage."""
        if not self.domain_from or "domain" in {c.name for c in self.columns}:
            return self.columns + LINEAGE
        derived = Column("domain", description=f"Normalised domain derived from {self.domain_from} at ingest.")
        return (*self.columns, derived, *LINEAGE)


def _cols(*specs: str | tuple[str, str]) -> tuple[Column, ...]:
    """'name:type!' -> Column; '!' marks a required column, '*' one in the export's contract; a
    (spec, description) pair documents the column."""
    out = []
    for item in specs:
        spec, description = item if isinstance(item, tuple) else (item, "")
        name, _, type_ = spec.rstrip("!*").partition(":")
        out.append(Column(name, type_ or "text", spec.endswith("!"), spec.endswith("*"), description))
    return tuple(out)


# Columns a team's mapping adds (mappings.ATTRIBUTES), as name=value entries separated by this
# character (the ASCII unit separator, which no CRM value holds): one raw column, whatever the team adds.
CUSTOM_ATTRIBUTES = "custom_attributes"
CUSTOM_ATTRIBUTE_SEPARATOR = "\x1f"

LINEAGE = (
    Column("_source", description="Source the row was loaded as."),
    Column("_export_date", "date", description="Date of the export the row came from."),
    Column("_source_file", description="File the row was read from."),
    Column("_row_number", "integer", description="Data row number within that file."),
)


SCHEMAS: dict[str, SourceSchema] = {
    s.name: s
    for s in (
        SourceSchema(
            "crm_accounts",
            "CRM account (company) snapshots from Salesforce or HubSpot, one full snapshot per export date.",
            _cols(
                ("account_id:id!", "CRM record id (Salesforce Id / HubSpot Record ID)."),
                "account_name!",
                ("website*", "Website as exported (any form)."),
                "industry",
                "employees:integer",
                "annual_revenue:number",
                "country",
                "state",
                "account_type",
                "owner_id:id",
                "parent_id:id",
                "is_deleted:boolean",
                ("merged_into_id:id", "Salesforce MasterRecordId of a merged-away record."),
                ("merged_record_ids", "HubSpot: ids of records merged into this one (';'-separated)."),
                "last_activity_date:date",
                "created_date:date",
                "last_modified_date:date",
                (CUSTOM_ATTRIBUTES, "Columns the mapping file adds under `attributes:` (name=value entries, unit-separated)."),
            ),
            key=("account_id",),
            domain_from="website",
            required_for_scoring=True,
        ),
        SourceSchema(
            "crm_contacts",
            "CRM contact snapshots, one full snapshot per export date.",
            _cols(
                "contact_id:id!",
                ("account_id:id*", "The contact's primary company (the first listed when an export lists several)."),
                ("associated_account_ids", "HubSpot: every company the contact is associated with (';'-separated)."),
                "first_name",
                "last_name",
                ("email*", "Lower-cased email address (PII; never published raw)."),
                "title",
                "department",
                "is_email_bounced:boolean",
                "email_bounced_date:date",
                "email_bounced_reason",
                "last_activity_date:date",
                "has_opted_out:boolean",
                "has_left_company:boolean",
                "is_deleted:boolean",
                "last_modified_date:date",
            ),
            key=("contact_id",),
            domain_from="email",
            email_column="email",
            required_for_scoring=True,
        ),
        SourceSchema(
            "crm_opportunities",
            "CRM opportunity (deal) snapshots.",
            _cols(
                "opportunity_id:id!",
                "account_id:id!",
                "opportunity_name",
                "stage_name",
                "amount:number",
                "close_date:date",
                "is_closed:boolean",
                "is_won:boolean",
                "created_date:date",
            ),
            key=("opportunity_id",),
            when_missing="tier_performance has no win rates or pipeline",
        ),
        SourceSchema(
            "crm_activities",
            "Engagement activities (email replies, meetings, events, demo requests, web visits, trigger events), incremental exports.",
            _cols(
                "activity_id:id",
                "account_id:id",
                "email_domain",
                "contact_email",
                "activity_type!",
                "activity_date:date!",
                ("owner_id:id", "The CRM user who logged it: the account team's touches carry their owner."),
                ("direction", "outbound (the account team's touch) or inbound (the account's engagement); empty: by activity type."),
                ("status", "A task's status: open ones (Not Started, In Progress, ...) are planned, not done."),
            ),
            key=("activity_id",),
            when_missing="engagement counts no activities and no account joins a trigger cluster",
            domain_from="email_domain",
            email_column="contact_email",
            events=True,
        ),
        SourceSchema(
            "technographics",
            "Technology detections (HG Insights / BuiltWith style) by domain.",
            _cols(
                "domain!",
                "technology!",
                "category",
                "first_detected:date",
                "last_detected:date",
                "intensity:number",
            ),
            key=("domain", "technology"),
            when_missing="fit scores no technologies",
            domain_from="domain",
        ),
        SourceSchema(
            "intent",
            "Intent signals by domain and topic (Bombora Company Surge weekly, generic/first-party daily).",
            _cols(
                "domain!",
                "company_name",
                "topic!",
                "score:number!",
                "score_delta:number",
                ("signal_date:date!", "The signal's week or day; the export date for weekly files with no date column."),
                ("metro_area", "Bombora: the metro area of a metro-level row (the company-level score repeats on each)."),
            ),
            key=("domain", "topic", "signal_date"),
            when_missing="every intent score is 0, so no account reaches tier 1",
            domain_from="domain",
            events=True,
        ),
        SourceSchema(
            "crm_users",
            "CRM users, the account owners: Salesforce's User export or report, HubSpot's owners export.",
            _cols(
                ("user_id:id!", "CRM user id (Salesforce User Id, HubSpot owner id): what accounts name as their owner."),
                ("user_name", "Full name."),
                "first_name",
                "last_name",
                ("email", "The user's work e-mail address."),
                ("is_active:boolean", "Salesforce IsActive: false once the user left."),
                ("is_archived:boolean", "HubSpot: an archived (deactivated) owner."),
            ),
            key=("user_id",),
            email_column="email",
            when_missing="owners are shown by their CRM id and no owner is flagged as gone",
        ),
        SourceSchema(
            "email_verifications",
            "An email verifier's results (optional source).",
            _cols("email!", "result!", "checked_at:date!"),
            key=("email", "checked_at"),
            when_missing="contacts count as verified only through recent CRM activity",
            email_column="email",
            events=True,
        ),
    )
}
