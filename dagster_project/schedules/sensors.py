"""Sensors for when no one is watching: new exports, failed runs, and sources that stop arriving."""

import datetime as dt
import json
import os
from pathlib import Path

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from dagster_project.alerts import send_alert
from dagster_project.ingest.loader import export_dates, export_files, fingerprint
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.partitions import daily_partitions, describe_range
from dagster_project.quality.gx_suites import load_suite_document
from dagster_project.resources import DataFolder
from dagster_project.runs import sweep_dead_runs
from dagster_project.schedules.nightly import nightly_job
from dagster_project.settings import Paths


def sensed_sources() -> list[str]:
    """Sources whose new export folders start a run at once (ABM_SENSOR_SOURCES, default intent)."""
    return [s.strip() for s in os.environ.get("ABM_SENSOR_SOURCES", "intent").split(",") if s.strip() in SCHEMAS]


def new_export_requests(locations: Paths, cursor: dict[str, str], today: dt.date) -> tuple[list[RunRequest], dict[str, str]]:
    """A run for each date with a new or changed export folder of a sensed source.

    Dates after the last partition (exports dated today) wait for the nightly run, which scores them.
    """
    last_partition = today - dt.timedelta(days=1)  # daily partitions end with yesterday
    first_partition = dt.date.fromisoformat(daily_partitions.get_first_partition_key())
    requests, seen = {}, dict(cursor)
    for source in sensed_sources():
        for day in export_dates(locations, source, last_partition):
            if day < first_partition:
                continue
            folder = locations.landing / source / day.isoformat()
            files = export_files(folder)
            if not files:
                continue
            key = f"{source}/{day}"
            print_ = fingerprint(files)
            if seen.get(key) == print_:
                continue
            seen[key] = print_
            requests[day] = RunRequest(
                partition_key=day.isoformat(),
                run_key=f"{key}@{print_}",
                tags={"abm/trigger": f"new export {key}"},
            )
    return [requests[day] for day in sorted(requests)], seen


@sensor(
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Starts a run for a date as soon as a new or changed export folder lands for a sensed source "
        "(ABM_SENSOR_SOURCES, default intent); folders that had landed before its first evaluation start nothing."
    ),
)
def new_export_sensor(context: SensorEvaluationContext, data_folder: DataFolder):
    if context.cursor is None:
        # First evaluation: what landed before the sensor started is for the nightly run and for
        # backfills. Starting a run per landed date would start a backfill just by opening the UI.
        _, seen = new_export_requests(data_folder.paths, {}, dt.date.today())
        context.update_cursor(json.dumps(seen, sort_keys=True))
        return SkipReason(f"started: {len(seen)} export folder(s) already landed are left to the nightly run")
    requests, seen = new_export_requests(data_folder.paths, json.loads(context.cursor), dt.date.today())
    context.update_cursor(json.dumps(seen, sort_keys=True))
    if not requests:
        return SkipReason("no new export folders")
    return requests


@run_failure_sensor(
    default_status=DefaultSensorStatus.RUNNING,
    description="Writes an alert naming the failed step and its error: log, data/alerts/run_failure.jsonl, webhook.",
)
def run_failure_alert_sensor(context: RunFailureSensorContext, data_folder: DataFolder):
    send_failure_alert(context, data_folder.paths.alerts)


def send_failure_alert(context: RunFailureSensorContext, alerts: Path) -> dict:
    run = context.dagster_run
    failed = [
        (event.step_key, event.event_specific_data.error.message.strip() if event.event_specific_data.error else "")
        for event in context.get_step_failure_events()
    ]
    steps = (
        "; ".join(f"step {step}: {message.splitlines()[0] if message else 'failed'}" for step, message in failed)
        or context.failure_event.message
    )
    partition = describe_range(run.tags)
    published = context.instance.get_latest_materialization_event(AssetKey(["published_tiers"]))
    after_publish = published is not None and published.run_id == run.run_id
    outcome = "The tiers were published before the failure." if after_publish else "Nothing new was published."
    text = f"ABM run {run.run_id[:8]} of {run.job_name} for {partition} failed. {steps}. {outcome}"
    return send_alert(
        alerts,
        "run_failure",
        text,
        {
            "run_id": run.run_id,
            "job": run.job_name,
            "partition": partition,
            "failed_steps": [s for s, _ in failed],
            "errors": [m for _, m in failed],
        },
        context.log,
    )


def freshness_limit_days(source: str) -> int:
    return int(load_suite_document(f"raw_{source}").get("meta", {}).get("freshness_limit_days", 2))


def stale_sources(locations: Paths, today: dt.date) -> dict[str, str]:
    """Sources whose latest export is older than their freshness limit (expectations/raw_<source>.json)."""
    stale = {}
    for source, schema in SCHEMAS.items():
        dates = export_dates(locations, source, today)
        limit = freshness_limit_days(source)
        if not dates:
            if schema.required_for_scoring:
                stale[source] = f"no {source} export has ever landed"
            continue
        age = (today - dates[-1]).days
        if age > limit:
            stale[source] = f"latest {source} export is from {dates[-1]} ({age} days ago; limit {limit} days)"
    return stale


@sensor(
    minimum_interval_seconds=3600,
    default_status=DefaultSensorStatus.RUNNING,
    description="Flags sources whose exports stopped arriving (freshness limits in expectations/raw_<source>.json), once a day per source.",
)
def export_freshness_sensor(context: SensorEvaluationContext, data_folder: DataFolder):
    today = dt.date.today()
    alerted = json.loads(context.cursor) if context.cursor else {}
    stale = stale_sources(data_folder.paths, today)
    for source, problem in stale.items():
        if alerted.get(source) != today.isoformat():
            send_alert(data_folder.paths.alerts, "stale_export", f"Stale source: {problem}.", {"source": source}, context.log)
            alerted[source] = today.isoformat()
    context.update_cursor(json.dumps(alerted, sort_keys=True))
    return SkipReason(f"stale sources: {', '.join(sorted(stale))}" if stale else "every source is fresh")


@sensor(
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks failed any run left STARTED by a process that is gone (killed, crashed), so the one-at-a-time queue moves on.",
)
def dead_run_sweeper(context: SensorEvaluationContext):
    swept = sweep_dead_runs(context.instance)
    for run_id in swept:
        context.log.warning(f"run {run_id} was left started by a process that is gone; marked failed")
    return SkipReason(f"marked {len(swept)} dead run(s) failed" if swept else "no dead runs")


sensors = [new_export_sensor, run_failure_alert_sensor, export_freshness_sensor, dead_run_sweeper]
