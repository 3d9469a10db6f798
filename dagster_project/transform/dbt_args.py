"""The dbt command for a run: a pure function of the as-of range and the scoring rules."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def dbt_vars(as_of_start: dt.date, as_of_end: dt.date, scoring: dict[str, Any], publish_emails: bool = False) -> dict:
    if as_of_end < as_of_start:
        raise ValueError(f"as-of range ends ({as_of_end}) before it starts ({as_of_start})")
    return {
        "as_of_start": as_of_start.isoformat(),
        "as_of_end": as_of_end.isoformat(),
        "scoring": scoring,
        "publish_emails": publish_emails,
    }


def dbt_build_args(
    as_of_start: dt.date,
    as_of_end: dt.date,
    scoring: dict[str, Any],
    publish_emails: bool = False,
) -> list[str]:
    """`dbt build` for one as-of range: one invocation scores every date of the range.

    Unit tests check the SQL, not the data: they run in the test suite, not in every nightly build.
    """
    variables = dbt_vars(as_of_start, as_of_end, scoring, publish_emails)
    return ["build", "--vars", json.dumps(variables, sort_keys=True), "--exclude-resource-type", "unit_test"]
