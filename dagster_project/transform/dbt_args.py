"""The dbt command for a run: a pure function of the as-of range and the scoring rules.

The rules travel as `--vars`; the as-of range travels as environment variables, which the models
read only when executing (dbt/macros/as_of.sql). dbt re-parses the whole project whenever `--vars`
change, so keeping the dates, which change every night, out of them lets each nightly run reuse
the previous run's parse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from dagster_project.settings import DUCKDB_MEMORY_LIMIT_ENV, duckdb_memory_limit
from dagster_project.tiers import TIERS

AS_OF_START_ENV = "ABM_AS_OF_START"
AS_OF_END_ENV = "ABM_AS_OF_END"


SECRET_KEY_ENV = "DBT_ENV_SECRET_ABM_PII_KEY"  # read by dagster_project/transform/dbt_secrets.py
# HMAC's padded keys, which dbt/profiles.yml hands to Spark as session settings.
SPARK_HMAC_ENV = ("DBT_ENV_SECRET_ABM_HMAC_INNER", "DBT_ENV_SECRET_ABM_HMAC_OUTER")
RAW_SOURCES_ENV = "ABM_RAW_SOURCES"
# dbt's file log (dbt.log beside the run's artifacts) at dbt's default level, debug, holds every SQL
# statement and connection event: 4.6 MB on a 100-account run, 0.4 MB at info.
FILE_LOG_LEVEL_ENV = "DBT_LOG_LEVEL_FILE"
DEFAULT_FILE_LOG_LEVEL = "info"
SHA256_BLOCK_SIZE = 64


def dbt_vars(scoring: dict[str, Any], publish_emails: bool = False, publish_contact_names: bool = False) -> dict:
    """The rules, the tier list (dbt's tier_names()) and the privacy switches, as dbt's --vars."""
    return {"scoring": scoring, "tiers": list(TIERS), "publish_emails": publish_emails, "publish_contact_names": publish_contact_names}


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's (key XOR ipad, key XOR opad), RFC 2104."""
    if len(key) > SHA256_BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK_SIZE, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def secret_env(pii_secret: str) -> dict[str, str]:
    """The PII key for dbt: environment variables dbt scrubs from its logs, never a var or SQL (the key
    for DuckDB's plugin, its padded forms for Spark's session)."""
    inner, outer = padded_keys(pii_secret.encode())
    return {SECRET_KEY_ENV: pii_secret, SPARK_HMAC_ENV[0]: inner.hex(), SPARK_HMAC_ENV[1]: outer.hex()}


def dbt_env(data_dir: Path, as_of_start: dt.date, as_of_end: dt.date, pii_secret: str, loaded_sources: list[str]) -> dict[str, str]:
    """What dbt reads from its environment: the data folder (its profile), the as-of range, the PII
    key, the sources with a loaded export (Spark's SQL cannot list files), DuckDB's memory limit and its
    file log's level."""
    return {
        "ABM_DATA_DIR": str(data_dir),
        **as_of_env(as_of_start, as_of_end),
        **secret_env(pii_secret),
        RAW_SOURCES_ENV: ",".join(sorted(loaded_sources)),
        DUCKDB_MEMORY_LIMIT_ENV: duckdb_memory_limit(),
        # set DBT_LOG_LEVEL_FILE=debug to have the statements back
        FILE_LOG_LEVEL_ENV: os.environ.get(FILE_LOG_LEVEL_ENV, DEFAULT_FILE_LOG_LEVEL),
    }


def as_of_env(as_of_start: dt.date, as_of_end: dt.date) -> dict[str, str]:
    if as_of_end < as_of_start:
        raise ValueError(f"as-of range ends ({as_of_end}) before it starts ({as_of_start})")
    return {AS_OF_START_ENV: as_of_start.isoformat(), AS_OF_END_ENV: as_of_end.isoformat()}


def dbt_build_args(
    scoring: dict[str, Any], publish_emails: bool = False, publish_contact_names: bool = False, engine: str = "duckdb"
) -> list[str]:
    """`dbt build` for one run on the engine's target: one invocation scores every date of the as-of range.

    Unit tests check the SQL, not the data: they run in the test suite, not in every nightly build.
    """
    variables = json.dumps(dbt_vars(scoring, publish_emails, publish_contact_names), sort_keys=True)
    return ["build", "--vars", variables, "--target", engine, "--exclude-resource-type", "unit_test"]
