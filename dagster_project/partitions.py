"""Daily partitions by as-of date: the pipeline for date D uses only exports dated D or earlier."""

from __future__ import annotations

import datetime as dt

from dagster import Backoff, DailyPartitionsDefinition, RetryPolicy

from dagster_project.settings import partitions_start_date, timezone

# The latest partition is yesterday: the nightly run at 02:00 scores the day whose exports are complete.
daily_partitions = DailyPartitionsDefinition(start_date=partitions_start_date(), timezone=timezone())


# File-system and network hiccups (a share that blinks, a webhook that times out) heal on a retry;
# data errors raise Failure(allow_retries=False) and fail at once.
TRANSIENT_FAILURE_RETRIES = RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL)


def as_of_range(context) -> tuple[dt.date, dt.date]:
    """First and last as-of date of the partitions a run covers (one date, or a backfill range)."""
    start_key, end_key = context.partition_key_range.start, context.partition_key_range.end
    return dt.date.fromisoformat(start_key), dt.date.fromisoformat(end_key)
