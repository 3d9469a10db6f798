"""Contact data stays out of what people read: reports, the Dagster UI, the terminal."""

from __future__ import annotations

from typing import Any

CONTACT_COLUMNS = {"email", "contact_email", "first_name", "last_name"}


def mask_contact_value(value: Any) -> Any:
    """`jane.doe@acme.com` -> `***@acme.com`, a name -> `J***`; in a dict (a compound key), the contact
    columns' values are masked the same way."""
    if isinstance(value, dict):
        return {k: mask_contact_value(v) if k in CONTACT_COLUMNS else v for k, v in value.items()}
    if isinstance(value, list):
        return [mask_contact_value(v) for v in value]
    if isinstance(value, str):
        return "***@" + value.split("@", 1)[1] if "@" in value else value[:1] + "***"
    return value
