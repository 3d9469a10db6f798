"""The canonical model every export is mapped to: one schema per source."""

from __future__ import annotations

from dataclasses import dataclass

@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text, id, integer, number, date or boolean
    required: bool = False  # every row must have a value (a row without one is rejected)
    in_contract: bool = False  # every export must have the column (most rows carry a value)


@dataclass(frozen=True)
class SourceSchema:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Which canonical text column is reduced to a normalised `domain` (a website, a domain or an email).
    domain_from: str | None = None
    # Which canonical text column is lower-cased and trimmed as an email address.
    email_column: str | None = None
    # Scoring cannot run without an export of this source (the others only enrich it).
    required_for_scoring: bool = False

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


def _cols(*specs: str) -> tuple[Column, ...]:
    """'name:type!' -> Column; '!' marks a required column, '*' one in the export's contract."""
    out = []
    for spec in specs:
        name, _, type_ = spec.rstrip("!*").partition(":")
        out.append(Column(name, type_ or "text", spec.endswith("!"), spec.endswith("*")))
    return tuple(out)


SCHEMAS: dict[str, SourceSchema] = {
    s.name: s
    for s in (
        SourceSchema(
            "crm_accounts",
            _cols(
                "account_id:id!", "account_name!", "website*", "industry", "employees:integer",
                "annual_revenue:number", "country", "state", "account_type", "owner_id:id", "parent_id:id",
                "is_deleted:boolean", "merged_into_id:id", "merged_record_ids", "last_activity_date:date",
                "created_date:date",
                "last_modified_date:date",
            ),
            key=("account_id",),
            domain_from="website",
            required_for_scoring=True,
        ),
        SourceSchema(
            "crm_contacts",
            _cols(
                "contact_id:id!", "account_id:id*", "associated_account_ids", "first_name", "last_name", "email*",
                "title", "department",
                "is_email_bounced:boolean", "email_bounced_date:date", "email_bounced_reason",
                "last_activity_date:date", "has_opted_out:boolean", "has_left_company:boolean",
                "is_deleted:boolean", "last_modified_date:date",
            ),
            key=("contact_id",),
            domain_from="email",
            email_column="email",
            required_for_scoring=True,
        ),
        SourceSchema(
            "crm_opportunities",
            _cols(
                "opportunity_id:id!", "account_id:id!", "opportunity_name", "stage_name", "amount:number",
                "close_date:date", "is_closed:boolean", "is_won:boolean", "created_date:date",
            ),
            key=("opportunity_id",),
        ),
        SourceSchema(
            "crm_activities",
            _cols(
                "activity_id:id", "account_id:id", "email_domain", "contact_email", "activity_type!",
                "activity_date:date!",
            ),
            key=("activity_id",),
            domain_from="email_domain",
            email_column="contact_email",
        ),
        SourceSchema(
            "technographics",
            _cols(
                "domain!", "technology!", "category", "first_detected:date", "last_detected:date",
                "intensity:number",
            ),
            key=("domain", "technology"),
            domain_from="domain",
        ),
        SourceSchema(
            "intent",
            _cols(
                "domain!", "company_name", "topic!", "score:number!", "score_delta:number",
                "signal_date:date!", "metro_area",
            ),
            key=("domain", "topic", "signal_date"),
            domain_from="domain",
        ),
        SourceSchema(
            "email_verifications",
            _cols("email!", "result!", "checked_at:date!"),
            key=("email", "checked_at"),
            email_column="email",
        ),
    )
}
