"""Daily partitions by as-of date: the pipeline for date D uses only exports dated D or earlier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dagster import Backoff, DailyPartitionsDefinition, RetryPolicy

from dagster_project.ingest.loader import first_export_date
from dagster_project.settings import Paths, partitions_start_date, paths, timezone

# With no export yet, the UI still offers the last weeks to score once exports land.
DAYS_OFFERED_BEFORE_ANY_EXPORT = 30


def first_scoring_date(folder: Paths, today: dt.date) -> str:
    """ABM_START_DATE, else the data folder's first export: no date can be scored before it, so the UI
    lists no partition that could only ever be missing."""
    first = first_export_date(folder) or today - dt.timedelta(days=DAYS_OFFERED_BEFORE_ANY_EXPORT)
    return partitions_start_date() or first.isoformat()


# The latest partition is yesterday: the nightly run at 02:00 scores the day whose exports are complete.
daily_partitions = DailyPartitionsDefinition(start_date=first_scoring_date(paths(), dt.date.today()), timezone=timezone())


# File-system and network hiccups (a share that blinks, a webhook that times out) heal on a retry;
# data errors raise Failure(allow_retries=False) and fail at once.
TRANSIENT_FAILURE_RETRIES = RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL)


# How a run names the as-of dates it covers: one partition, or a range run as one (a backfill).
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(start: dt.date, end: dt.date) -> dict[str, str]:
    """The tags of a run that covers start..end as one run."""
    return {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}


def as_of_range(context) -> tuple[dt.date, dt.date]:
    """First and last as-of date of the run (one date, or a backfill range), for assets and checks alike;
    a run without partition tags scores the latest partition."""
    return as_of_range_of_tags(context.run.tags)


def as_of_range_of_tags(tags: Mapping[str, str]) -> tuple[dt.date, dt.date]:
    if PARTITION_TAG in tags:
        day = dt.date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    if RANGE_START_TAG in tags:
        return dt.date.fromisoformat(tags[RANGE_START_TAG]), dt.date.fromisoformat(tags[RANGE_END_TAG])
    latest = dt.date.fromisoformat(daily_partitions.get_last_partition_key())
    return latest, latest


def describe_range(tags: Mapping[str, str]) -> str:
    start, end = as_of_range_of_tags(tags)
    return start.isoformat() if start == end else f"{start}..{end}"
