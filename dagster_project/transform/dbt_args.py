"""The dbt command for a run: a pure function of the as-of range and the scoring rules.

The rules travel as `--vars`; the as-of range travels as environment variables, which the models
read only when executing (dbt/macros/as_of.sql). dbt re-parses the whole project whenever `--vars`
change, so keeping the dates, which change every night, out of them lets each nightly run reuse
the previous run's parse.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

AS_OF_START_ENV = "ABM_AS_OF_START"
AS_OF_END_ENV = "ABM_AS_OF_END"


SECRET_KEY_ENV = "DBT_ENV_SECRET_ABM_PII_KEY"  # read by dagster_project/transform/dbt_secrets.py


def dbt_vars(scoring: dict[str, Any], publish_emails: bool = False, publish_contact_names: bool = False) -> dict:
    return {"scoring": scoring, "publish_emails": publish_emails, "publish_contact_names": publish_contact_names}


def secret_env(pii_secret: str) -> dict[str, str]:
    """The PII key for dbt: an environment variable dbt scrubs from its logs, never a var or SQL."""
    return {SECRET_KEY_ENV: pii_secret}


def as_of_env(as_of_start: dt.date, as_of_end: dt.date) -> dict[str, str]:
    if as_of_end < as_of_start:
        raise ValueError(f"as-of range ends ({as_of_end}) before it starts ({as_of_start})")
    return {AS_OF_START_ENV: as_of_start.isoformat(), AS_OF_END_ENV: as_of_end.isoformat()}


def dbt_build_args(scoring: dict[str, Any], publish_emails: bool = False, publish_contact_names: bool = False) -> list[str]:
    """`dbt build` for one run: one invocation scores every date of the as-of range.

    Unit tests check the SQL, not the data: they run in the test suite, not in every nightly build.
    """
    variables = json.dumps(dbt_vars(scoring, publish_emails, publish_contact_names), sort_keys=True)
    return ["build", "--vars", variables, "--exclude-resource-type", "unit_test"]
