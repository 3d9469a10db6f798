"""One fingerprint per score date of everything that day's ranks are computed from.

A day's ranks are a pure function of the exports dated that day or earlier (as loaded into raw/),
the dbt vars (the scoring rules) and the dbt project's code. With the fingerprints in ABM_SCORE_INPUTS,
dbt reads a look-back day's ranks from the ones it remembered under the same fingerprint instead of
scoring the day again (dbt/macros/remembered.sql): a nightly run then scores its date and the day
before, not the ~19 days hysteresis looks back over. Anything that changes a day's inputs (an export
reloaded or arriving late, a rule, a model or macro) changes its fingerprint, and the day is scored
again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

from dagster_project.ingest.loader import loaded_export_dates, partition_dir
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.settings import DBT_PROJECT_DIR, Paths

SCORE_INPUTS_ENV = "ABM_SCORE_INPUTS"
RAW_URI_ENV = "ABM_RAW_URI"
# Look-back days before this are scored in full: a year covers any hysteresis window in the rules.
DAYS_FINGERPRINTED = 366
PROJECT_FILES = ("dbt_project.yml", "models/**/*", "macros/**/*", "seeds/**/*")


def score_inputs_env(paths: Paths, dbt_variables: dict[str, Any], as_of_start: dt.date, as_of_end: dt.date) -> dict[str, str]:
    """ABM_SCORE_INPUTS for dbt; nothing when dbt reads another raw layer (ABM_RAW_URI), whose files this
    process cannot see."""
    if os.environ.get(RAW_URI_ENV):
        return {}
    version = project_version() + json.dumps(dbt_variables, sort_keys=True)
    first = as_of_start - dt.timedelta(days=DAYS_FINGERPRINTED)
    return {SCORE_INPUTS_ENV: json.dumps(score_input_fingerprints(paths, version, first, as_of_end))}


def score_input_fingerprints(paths: Paths, version: str, first: dt.date, last: dt.date) -> dict[str, str]:
    """{day: fingerprint} for every day from first to last: the version, then each loaded file dated on
    or before the day, by source, name, size and modification time (a reload writes new files)."""
    by_day: dict[dt.date, list[str]] = {}
    for day, entry in _loaded_files(paths, last):
        by_day.setdefault(max(day, first - dt.timedelta(days=1)), []).append(entry)
    running = hashlib.sha256(version.encode())
    fingerprints = {}
    day = first - dt.timedelta(days=1)
    while day <= last:
        for entry in sorted(by_day.get(day, ())):
            running.update(entry.encode())
        if day >= first:
            fingerprints[day.isoformat()] = running.copy().hexdigest()[:16]
        day += dt.timedelta(days=1)
    return fingerprints


def _loaded_files(paths: Paths, last: dt.date) -> Iterator[tuple[dt.date, str]]:
    for source in SCHEMAS:
        for day in loaded_export_dates(paths, source, last):
            for file in partition_dir(paths.raw, source, day).glob("*.parquet"):
                stat = file.stat()
                yield day, f"{source}|{day}|{file.name}|{stat.st_size}|{stat.st_mtime_ns}\n"


def project_version() -> str:
    """A hash of the dbt project's models, macros, seeds and settings."""
    digest = hashlib.sha256()
    files = sorted({path for pattern in PROJECT_FILES for path in DBT_PROJECT_DIR.glob(pattern) if path.is_file()})
    for path in files:
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
