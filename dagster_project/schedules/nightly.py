"""The nightly job and its schedule: at 02:00 in ABM_TIMEZONE (default UTC) run yesterday's partition."""

from __future__ import annotations

import os

from dagster import AssetSelection, DefaultScheduleStatus, build_schedule_from_partitioned_job, define_asset_job, in_process_executor

from dagster_project.partitions import daily_partitions

NIGHTLY_JOB_NAME = "abm_nightly"

# In-process: the run is a handful of steps and the multiprocess executor costs ~2 s per step.
nightly_job = define_asset_job(
    NIGHTLY_JOB_NAME,
    # ICP discovery has its own monthly job (dagster_project/discovery).
    selection=AssetSelection.all() - AssetSelection.groups("discovery"),
    partitions_def=daily_partitions,
    executor_def=in_process_executor,
    description="Ingest the exports, score every account as of the date, check quality, then publish.",
)

nightly_schedule = build_schedule_from_partitioned_job(
    nightly_job,
    hour_of_day=int(os.environ.get("ABM_NIGHTLY_HOUR", "2")),
    minute_of_hour=0,
    default_status=DefaultScheduleStatus.RUNNING,
    name="abm_nightly_schedule",
)
