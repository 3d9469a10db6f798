"""`abm`: generate sample exports, run the pipeline through Dagster, backfill, open the UI."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path

import yaml

from dagster_project.settings import ENGINES, REPO_ROOT, data_dir, paths
from dagster_project.storage import disk_full_message, is_disk_full

DEMO_ACCOUNTS = 3000
DEMO_DAYS = 21
DEMO_HISTORY_DAYS = 7
LOCAL_INSTANCE_YAML = """\
# Local instance for `abm` and `dagster dev` (see deploy/ for a PostgreSQL-backed deployment).
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
"""
EVENT_LOG_YAML = """\
# Dagster's SQLite event log, with connections kept open between writes (dagster_project/event_log.py)
event_log_storage:
  module: dagster_project.event_log
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {event_log_dir}
"""


def dagster_yaml(home: Path) -> str:
    # the event logs where Dagster keeps them by default; JSON's quoting is YAML's
    return LOCAL_INSTANCE_YAML + EVENT_LOG_YAML.format(event_log_dir=json.dumps(str(home / "history" / "runs")))


def _written_by_abm(config: str) -> bool:
    """The file as `abm` wrote it, for this or another folder (the data folder moved), or as an
    earlier version wrote it: `abm` keeps such a file current; an edited one is left alone."""
    if config == LOCAL_INSTANCE_YAML:
        return True
    try:
        folder = yaml.safe_load(config)["event_log_storage"]["config"]["base_dir"]
    except (yaml.YAMLError, KeyError, TypeError):
        return False
    return config == dagster_yaml(Path(folder).parent.parent)


def ensure_dagster_home() -> Path:
    """Runs started by the CLI are recorded in the same instance `dagster dev` shows."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths().dagster_home)
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current, wanted = (config.read_text() if config.exists() else None), dagster_yaml(home)
    if current != wanted and (current is None or _written_by_abm(current)):
        config.write_text(wanted)
    return home


def pin_data_dir() -> None:
    os.environ["ABM_DATA_DIR"] = str(data_dir())


def cmd_prepare(_: argparse.Namespace) -> int:
    from dagster_project.ingest import dbt_sources
    from dagster_project.transform.project import dbt_project

    if dbt_sources.write():
        print(f"{dbt_sources.SOURCES_FILE} regenerated from the raw contract")
    dbt_project.preparer.prepare(dbt_project)
    print(f"dbt manifest prepared at {dbt_project.manifest_path}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.sample_data.generator import SampleSpec, generate

    spec = SampleSpec(
        accounts=args.accounts,
        days=args.days,
        seed=args.seed,
        end_date=args.end,
        contacts_per_account=args.contacts_per_account,
        intent_topics=args.intent_topics,
    )
    out = Path(args.out) if args.out else paths().landing
    started = time.perf_counter()
    rows = generate(spec, out)
    print(
        f"Wrote {sum(rows.values()):,} rows of sample exports for {spec.export_dates[0]}..{spec.last_day} to {out} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    for source, count in rows.items():
        print(f"  {source:<20} {count:>12,}")
    return 0


def run_job(start: dt.date, end: dt.date | None = None, accept_change: str | None = None, tool_log: Path | None = None):
    """Execute the nightly job for one date or, as a single run, for a range of dates.

    `accept_change` records why a tier movement beyond the gate's bounds is real (a new ICP, a new
    intent provider): the run publishes it, and the reason stays on the run. `tool_log` takes what
    the tools print (dbt's line per model and test) instead of the terminal."""
    from dagster_project.partitions import range_tags
    from dagster_project.quality.checks import ACCEPT_CHANGE_TAG
    from dagster_project.schedules.nightly import NIGHTLY_JOB_NAME

    single = end is None or end == start
    tags = {ACCEPT_CHANGE_TAG: accept_change} if accept_change else {}
    tags |= {} if single else range_tags(start, end)
    partition = start.isoformat() if single else None
    what = f"abm run {start}" if single else f"abm backfill {start}..{end}"
    return execute_job(NIGHTLY_JOB_NAME, what, tags, partition, tool_log)


def execute_job(job_name: str, what: str, tags: dict[str, str], partition: str | None, tool_log: Path | None):
    """One run of a job in this process, recorded in the instance the UI shows, holding the data folder."""
    ensure_dagster_home()
    pin_data_dir()
    from dagster import DagsterInstance

    from dagster_project.definitions import defs
    from dagster_project.progress import Progress
    from dagster_project.runs import RUN_PID_TAG, data_folder_lock, mark_failed_if_unfinished, sweep_dead_runs
    from dagster_project.transform.resource import prune_failed_run

    job = defs.resolve_job_def(job_name)
    # The terminal gets the run's outcome from report_failure and report_warnings; Dagster's own
    # console lines (stack traces of a blocked check) only when asked for.
    quiet = {"loggers": {"console": {"config": {"log_level": os.environ.get("ABM_LOG_LEVEL", "CRITICAL")}}}}
    terminal = sys.stdout
    printed = contextlib.nullcontext() if tool_log is None else _printed_to(tool_log)
    with DagsterInstance.get() as instance, data_folder_lock(data_dir(), what), printed:
        for run_id in sweep_dead_runs(instance):
            print(f"Run {run_id} was left started by a process that is gone; marked failed.", file=sys.stderr)
        run_id = str(uuid.uuid4())
        progress = Progress(instance, run_id, terminal) if tool_log is not None else None
        if progress:
            progress.start()
        try:
            extra = {"partition_key": partition} if partition else {}
            tags = {**tags, RUN_PID_TAG: str(os.getpid())}
            return job.execute_in_process(run_config=quiet, instance=instance, tags=tags, raise_on_error=False, run_id=run_id, **extra)
        except BaseException:
            mark_failed_if_unfinished(instance, run_id, "The run stopped on an error the CLI reported (a full disk?); marked failed.")
            prune_failed_run(paths().dbt_target, paths().dbt_target / f"run-{run_id}")
            raise
        finally:
            if progress:
                progress.stop()


@contextlib.contextmanager
def _printed_to(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out, contextlib.redirect_stdout(out):
        yield


def tool_log_for(args: argparse.Namespace, what: str) -> Path | None:
    """Where a CLI run's tool output goes: the terminal with --verbose, else data/logs/."""
    if args.verbose:
        return None
    return paths().data_dir / "logs" / f"{what}-{dt.datetime.now():%Y%m%dT%H%M%S}.log"


def report_failure(result) -> None:
    from dagster import AssetCheckSeverity

    published = any(event.asset_key and event.asset_key.path == ["published_tiers"] for event in result.get_asset_materialization_events())
    if published:
        print(
            f"Run {result.run_id} FAILED after the tiers were published (they are served); a step after the publish did not finish:",
            file=sys.stderr,
        )
    else:
        print(f"Run {result.run_id} FAILED. Nothing new was published; the previous tiers stay served.", file=sys.stderr)
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # the check's own line below says what failed
            message = error.message.strip() if error else "unknown error"
            if any(is_disk_full(text) for text in failure_texts(error, result.run_id)):
                message = disk_full_message(paths().data_dir)
            print(f"  step {event.step_key}: {message}", file=sys.stderr)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            print(f"  check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {evaluation.description}", file=sys.stderr)


def failure_texts(error, run_id: str) -> list[str]:
    """What a failed step said, its causes, and dbt's own log of the run (where dbt writes what the
    database told it)."""
    texts = []
    while error is not None:
        texts.append(error.message)
        error = error.cause or error.context
    dbt_log = paths().dbt_target / f"run-{run_id}" / "dbt.log"
    if dbt_log.exists():
        texts.append(dbt_log.read_text(errors="replace")[-20_000:])
    return texts


# A warning line is cut here: the data-quality report and the UI have the whole text.
WARNING_CHARACTERS = 400


def report_warnings(result) -> None:
    """What did not stop the run but needs a look, in its last lines: checks that warn, and rows a
    snapshot export (accounts, contacts) lost to rejects."""
    from dagster import AssetCheckSeverity

    from dagster_project.ingest.schemas import SCHEMAS

    warnings = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN:
            text = evaluation.description or ""
            cut = text if len(text) <= WARNING_CHARACTERS else text[:WARNING_CHARACTERS] + " ..."
            warnings.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: {cut}")
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        key = materialization.asset_key.path
        rejected = materialization.metadata.get("rows_rejected")
        if key[0] == "raw" and not SCHEMAS[key[1]].events and rejected is not None and rejected.value:
            folder = materialization.metadata["rejects_in"].value
            warnings.append(f"{key[1]}: {rejected.value:,} rows rejected and not scored, kept in {folder} (abm inspect shows why)")
    if warnings:
        print("Warnings (the data-quality report has them all):", file=sys.stderr)
        for line in dict.fromkeys(warnings):
            print(f"  {line}", file=sys.stderr)


class NotStarted(Exception):
    """A run that would fail for sure, refused before any work with what to do instead."""


def ensure_engine_installed(engine: str) -> None:
    import importlib.util
    import shutil

    if engine != "spark":
        return
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        raise NotStarted("the spark engine needs pyspark and dbt-spark: pip install -e '.[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise NotStarted("the spark engine needs Java 17 (java on PATH or JAVA_HOME)")


def preflight(start: dt.date, end: dt.date) -> None:
    """What would fail a run for sure, checked before any work: the dates, the rules, the column
    mappings, the PII key and the required sources."""
    from dagster_project.ingest.loader import ExportRejected, export_dates, loaded_export_dates, refuse_misnamed_folders
    from dagster_project.ingest.mappings import MappingError, mappings_for
    from dagster_project.ingest.schemas import SCHEMAS
    from dagster_project.partitions import daily_partitions
    from dagster_project.settings import mappings_file_path, pii_secret, scoring_config_path
    from dagster_project.transform.scoring_config import ScoringConfigError, check_against_data, load_scoring_config

    if end < start:
        raise NotStarted(f"the range ends ({end}) before it starts ({start}); swap --start and --end")
    first = dt.date.fromisoformat(daily_partitions.get_first_partition_key())
    last = dt.date.fromisoformat(daily_partitions.get_last_partition_key())
    if end > last:
        raise NotStarted(
            f"{end} has not ended yet in {daily_partitions.timezone}: the latest date that can be scored is {last} "
            "(a day is scored once its exports are complete)"
        )
    if start < first:
        raise NotStarted(f"{start} is before the first scoring date {first} (ABM_START_DATE)")
    try:
        rules = load_scoring_config(scoring_config_path())
        check_against_data(rules, rule_vocabulary(end), scoring_config_path())
        mappings_for(mappings_file_path())
    except (ScoringConfigError, MappingError) as error:
        raise NotStarted(str(error)) from error
    pii_secret()
    ensure_engine_installed(paths().engine)
    try:
        refuse_misnamed_folders(paths(), SCHEMAS)
    except ExportRejected as error:
        raise NotStarted(str(error)) from error
    ensure_publish_database_ready()
    absent = [
        name for name in required_sources() if not export_dates(paths(), name, start) and not loaded_export_dates(paths(), name, start)
    ]
    if absent:
        raise NotStarted(
            f"scoring needs an export of {' and '.join(absent)} dated {start} or earlier, and none landed in "
            f"{paths().landing}/<source>/<YYYY-MM-DD>/ (abm inspect shows how a file would load)"
        )


def ensure_publish_database_ready() -> None:
    """With ABM_PUBLISH_URL: the server answers and the user has the rights a publish needs."""
    from dagster_project.publish.postgres import PostgresPublishError, check_ready, publish_url

    url = publish_url()
    if url:
        try:
            check_ready(url)
        except PostgresPublishError as error:
            raise NotStarted(f"{error}; nothing was run") from error


def rule_vocabulary(up_to: dt.date) -> dict[str, set[str]]:
    """The industries and technologies the latest loaded exports hold, for the rules' typo check."""
    from dagster_project.ingest.loader import loaded_export_dates, partition_dir
    from dagster_project.vocabulary import values_seen

    seen = {}
    for kind, source, column in (("industries", "crm_accounts", "industry"), ("technologies", "technographics", "technology")):
        dates = loaded_export_dates(paths(), source, up_to)
        seen[kind] = values_seen(partition_dir(paths().raw, source, dates[-1]), column) if dates else set()
    return seen


def required_sources() -> list[str]:
    from dagster_project.ingest.schemas import SCHEMAS

    return [name for name, schema in SCHEMAS.items() if schema.required_for_scoring]


def cmd_run(args: argparse.Namespace) -> int:
    day = args.date or latest_landed_date()
    if not execute(args, day, day):
        return 1
    print_summary(day)
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    if not execute(args, args.start, args.end):
        return 1
    print_dates(args.start, args.end)
    return 0


def execute(args: argparse.Namespace, start: dt.date, end: dt.date) -> bool:
    """A CLI run of start..end after the preflight: progress while it works, then its outcome."""
    preflight(start, end)
    started = time.perf_counter()
    what = f"run {start}" if start == end else f"backfill {start}..{end}"
    log = tool_log_for(args, what.replace(" ", "-").replace("..", "-"))
    result = run_job(start, end, accept_change=args.accept_change, tool_log=log)
    published = result.success and published_in(result)
    if published:
        print(f"{what.capitalize()} succeeded in {time.perf_counter() - started:.1f}s (Dagster run {result.run_id})")
    elif result.success:
        skipped = ", ".join(e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED")
        print(
            f"{what.capitalize()} published nothing (Dagster run {result.run_id}): steps skipped: {skipped}. "
            "The previous tiers stay served; the run's log in the UI says why.",
            file=sys.stderr,
        )
    else:
        report_failure(result)
    if not published:
        from dagster_project.transform.resource import prune_failed_run

        prune_failed_run(paths().dbt_target, paths().dbt_target / f"run-{result.run_id}")
    report_warnings(result)
    print(f"Data-quality report: {paths().reports / 'data_quality_latest.html'}")
    if log is not None:
        print(f"dbt's log of the run: {log} (--verbose shows it as it runs)")
    return published


def cmd_icp(args: argparse.Namespace) -> int:
    """ICP discovery as of the latest loaded opportunity export (or --date): evidence and suggested rules."""
    import duckdb

    from dagster_project.discovery.assets import AS_OF_TAG, DISCOVERY_JOB_NAME
    from dagster_project.discovery.evidence import backtest_section, markdown, read_evidence
    from dagster_project.discovery.suggest import SUGGESTED_NAME
    from dagster_project.settings import scoring_config_path
    from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config

    try:
        load_scoring_config(scoring_config_path())
    except ScoringConfigError as error:
        raise NotStarted(str(error)) from error
    ensure_engine_installed(paths().engine)
    if not paths().warehouse.exists():
        raise NotStarted("discovery reads the loaded exports through the warehouse: run `abm run` (or `abm demo`) first")
    started = time.perf_counter()
    tags = {AS_OF_TAG: args.date.isoformat()} if args.date else {}
    log = tool_log_for(args, "icp")
    result = execute_job(DISCOVERY_JOB_NAME, "abm icp", tags, None, log)
    if not result.success:
        report_failure(result)
        return 1
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        evidence = read_evidence(con)
    report = paths().reports / f"icp-{evidence.as_of}.md"
    print(markdown(evidence, top=args.top))
    print(backtest_section(report.read_text()))
    print(f"ICP discovery took {time.perf_counter() - started:.1f}s.")
    print(f"Report with the backtest and the diff of the suggested rules: {report}")
    suggested = scoring_config_path().with_name(SUGGESTED_NAME)
    if suggested.exists():
        print(f"Suggested rules (never applied by themselves; `abm whatif --config {suggested}` replays them): {suggested}")
    return 0


def cmd_whatif(args: argparse.Namespace) -> int:
    """Replay the stored history window under candidate rules in a scratch warehouse, beside the history."""
    from dagster_project.runs import data_folder_lock
    from dagster_project.transform.scoring_config import ScoringConfigError
    from dagster_project.whatif import WhatIfError, render, run_whatif

    started = time.perf_counter()
    try:
        # the replay reads the loaded exports: no run may load or rewrite them meanwhile
        with data_folder_lock(data_dir(), "abm whatif"):
            whatif = run_whatif(paths(), Path(args.config), args.start, args.end)
    except (ScoringConfigError, WhatIfError) as error:
        raise NotStarted(str(error)) from error
    print(render(whatif, Path(args.config)))
    print(f"What-if of {args.config} over {whatif.start}..{whatif.end} took {time.perf_counter() - started:.1f}s.")
    print(f"Report: {whatif.report}")
    print(f"Tables: {whatif.warehouse} (the published tiers and the live history were not touched)")
    return 0


def published_in(result) -> bool:
    """Whether the run published its tiers: a run can succeed with its publish skipped (an asset it
    depends on was not materialized), and that must not read as success."""
    return bool(result.asset_materializations_for_node("published_tiers"))


def print_dates(start: dt.date, end: dt.date) -> None:
    """One line per as-of date of a backfill: accounts per tier and the day's movement."""
    import duckdb

    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        rows = con.execute(
            "select as_of_date, tier_1_accounts, tier_2_accounts, tier_3_accounts, disqualified_accounts, tier_changes "
            "from tier_metrics where as_of_date between ? and ? order by as_of_date",
            [start, end],
        ).fetchall()
    for day, t1, t2, t3, dq, moves in rows:
        print(f"  {day}: tier_1 {t1:,}  tier_2 {t2:,}  tier_3 {t3:,}  disqualified {dq:,}  ({moves:,} tier changes)")


def cmd_review(args: argparse.Namespace) -> int:
    """The review pack as of a published date, in data/reports/review-<date>.md."""
    import duckdb

    from dagster_project.publish.report import ICP_REPORT, latest_reports
    from dagster_project.review import review_pack
    from dagster_project.settings import scoring_config_path
    from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config

    try:
        targets = load_scoring_config(scoring_config_path())["review"]["targets"]
    except ScoringConfigError as error:
        raise NotStarted(str(error)) from error
    if not paths().serving_db.exists():
        raise NotStarted("nothing is published yet: run `abm run` (or `abm backfill`) first")
    icp_report = latest_reports(paths()).get(ICP_REPORT)
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        try:
            pack = review_pack(con, args.date, targets, icp_report)
        except ValueError as error:
            raise NotStarted(str(error)) from error
    as_of = pack.splitlines()[0].rsplit(" ", 1)[-1]
    target = paths().reports / f"review-{as_of}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(pack)
    print(pack)
    print(f"Review pack: {target}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    end = dt.date.today() - dt.timedelta(days=1)
    gen = argparse.Namespace(
        accounts=args.accounts, days=args.days, seed=args.seed, end=end, contacts_per_account=5, intent_topics=8, out=None
    )
    cmd_generate(gen)
    from dagster_project.settings import create_pii_secret, pii_secret_file

    if not os.environ.get("ABM_PII_SECRET") and not pii_secret_file().exists():
        print(f"A random key for the e-mail hashes of this sample is in {create_pii_secret()}")
    # a week of history, so that the tiers have movements and the plays due dates
    start = end - dt.timedelta(days=DEMO_HISTORY_DAYS - 1)
    if not execute(argparse.Namespace(accept_change=None, verbose=args.verbose), start, end):
        return 1
    print_summary(end)
    return 0


def latest_landed_date() -> dt.date:
    from dagster_project.ingest.loader import export_dates
    from dagster_project.ingest.schemas import SCHEMAS

    days = [day for source in SCHEMAS for day in export_dates(paths(), source)]
    if not days:
        raise SystemExit(f"No exports in {paths().landing}: run `abm generate` or land exports there first.")
    return max(days)


def print_summary(as_of: dt.date, top: int = 10) -> None:
    """The run's own date, read from the history (account_tiers holds only the latest date)."""
    import duckdb

    serving = paths().serving_db
    with duckdb.connect(str(serving), read_only=True) as con:
        print(f"\nAccount tiers as of {as_of} (published to {serving}):")
        for tier, accounts, avg_score, reachable in con.execute(
            "select tier, accounts, avg_total_score, reachable_accounts from tier_summary where as_of_date = ? order by tier", [as_of]
        ).fetchall():
            print(f"  {tier:<13} {accounts:>7,} accounts   avg score {avg_score:5.1f}   reachable {reachable:,}")
        print(f"\nTop {top} accounts:")
        for name, score, reason in con.execute(
            f"select account_name, total_score, tier_reason from account_tier_history where as_of_date = ? "
            f"order by total_score desc, account_id limit {int(top)}",
            [as_of],
        ).fetchall():
            print(f"  {score:5.1f}  {name}\n         {reason}")
        print_plays(con, as_of)
    from dagster_project.ingest.loader import missing_sources

    for source, consequence in missing_sources(paths(), as_of).items():
        print(f"\nNo {source} export on or before {as_of}: {consequence}.")
    print(f'\nQuery it: duckdb -readonly {serving} "select * from account_tiers limit 10"')


def print_plays(con, as_of: dt.date) -> None:
    """Where the plays stand (account_plays holds the latest date only)."""
    from dagster_project.publish.report import plays_by_tier

    by_tier = plays_by_tier(con, as_of)
    if by_tier:
        print("\nPlays (first touch within the SLA):")
    for tier, (on_time, late, overdue, pending, *_) in by_tier.items():
        print(f"  {tier:<13} {on_time:>7,} on time   {late:,} late   {overdue:,} overdue   {pending:,} not yet due")


def cmd_inspect(args: argparse.Namespace) -> int:
    from dagster_project.ingest.inspect import inspect_path
    from dagster_project.settings import mappings_file_path

    path = Path(args.path)
    if not path.exists():
        print(f"{path}: no such file or folder", file=sys.stderr)
        return 2
    print(inspect_path(path, mappings_file_path()))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    ensure_dagster_home()
    pin_data_dir()
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(str(dagster), [str(dagster), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "--port", str(args.port)])


def cmd_quarantine(args: argparse.Namespace) -> int:
    """Set a bad export aside (or take it back), holding the data folder's run lock meanwhile."""
    from dagster_project.ingest.quarantine import QuarantineError, quarantine, release
    from dagster_project.runs import data_folder_lock

    try:
        with data_folder_lock(data_dir(), f"abm quarantine {args.source} {args.date}"):
            if args.release:
                release(paths(), args.source, args.date)
                print(f"{args.source} export of {args.date} released: the next run loads it again")
            else:
                record = quarantine(paths(), args.source, args.date, args.reason or "")
                print(f"{args.source} export of {args.date} set aside ({record}); runs use the export before it")
    except QuarantineError as error:
        raise NotStarted(str(error)) from error
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    """dbt on this data folder, with the validated rules as vars, the as-of date (default: the latest
    that can be scored) and the PII key in dbt's environment, as a run passes them."""
    import subprocess

    from dagster_project.ingest.loader import loaded_sources
    from dagster_project.partitions import daily_partitions
    from dagster_project.runs import data_folder_lock
    from dagster_project.settings import DBT_PROJECT_DIR, pii_secret, publish_contact_names, publish_emails, scoring_config_path
    from dagster_project.transform.dbt_args import dbt_env, dbt_vars
    from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config

    try:
        scoring = load_scoring_config(scoring_config_path())
    except ScoringConfigError as error:
        raise NotStarted(str(error)) from error
    day = args.date or dt.date.fromisoformat(daily_partitions.get_last_partition_key())
    variables = json.dumps(dbt_vars(scoring, publish_emails(), publish_contact_names()), sort_keys=True)
    dbt_args = [arg for arg in args.dbt_args if arg != "--"]
    if not dbt_args:
        raise NotStarted("name a dbt command after --, for example: abm dbt -- docs generate")
    env = {**os.environ, **dbt_env(data_dir(), day, day, pii_secret(), loaded_sources(paths(), day))}
    target = [] if "--target" in dbt_args else ["--target", paths().engine]
    command = [str(Path(sys.executable).with_name("dbt")), *dbt_args, "--vars", variables, *target]
    # dbt writes the warehouse (and its target folder): never beside a run that is using them
    with data_folder_lock(data_dir(), f"abm dbt {' '.join(dbt_args)}"):
        return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, check=False).returncode


def package_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("abm-tiering")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from error


ACCEPT_CHANGE_HELP = (
    "publish even though more moved from the day before than the book's churn explains "
    "(gate in config/scoring.yml), recording why on the run"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="abm", description=__doc__)
    parser.add_argument("--version", action="version", version=f"abm {package_version()}")
    parser.add_argument("--data-dir", metavar="PATH", help="the data folder (default: ABM_DATA_DIR, else data/ in the repository)")
    parser.add_argument("--engine", choices=ENGINES, help="the engine dbt builds on (default: ABM_ENGINE, else duckdb)")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks of unexpected errors")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("prepare", help="prepare the dbt manifest ahead of loading the Dagster definitions")

    generate = commands.add_parser("generate", help="write realistic, messy sample exports")
    generate.add_argument("--accounts", type=int, default=DEMO_ACCOUNTS)
    generate.add_argument("--days", type=int, default=DEMO_DAYS)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--end", type=parse_date, default=None, help="last export date (default: yesterday)")
    generate.add_argument("--contacts-per-account", type=int, default=5)
    generate.add_argument(
        "--intent-topics",
        type=int,
        default=8,
        help="Bombora topics per weekly export (the first 8 are the scored ones; more only add rows)",
    )
    generate.add_argument("--out", help="folder to write <source>/<date>/ exports into (default: the landing folder)")

    demo = commands.add_parser("demo", help="generate the default sample and run the pipeline over its last week")
    demo.add_argument("--accounts", type=int, default=DEMO_ACCOUNTS)
    demo.add_argument("--days", type=int, default=DEMO_DAYS)
    demo.add_argument("--seed", type=int, default=42)

    run = commands.add_parser("run", help="run the pipeline for one as-of date on what is in the landing folder")
    run.add_argument("--date", type=parse_date, default=None, help="as-of date (default: the latest landed export)")
    run.add_argument("--accept-change", metavar="REASON", help=ACCEPT_CHANGE_HELP)

    backfill = commands.add_parser("backfill", help="rebuild a range of as-of dates in one Dagster run")
    backfill.add_argument("--start", type=parse_date, required=True)
    backfill.add_argument("--end", type=parse_date, required=True)
    backfill.add_argument("--accept-change", metavar="REASON", help=ACCEPT_CHANGE_HELP)

    icp = commands.add_parser("icp", help="ICP discovery: what the closed deals share, and suggested fit rules with their evidence")
    icp.add_argument("--date", type=parse_date, default=None, help="as of this date (default: the latest loaded opportunity export)")
    icp.add_argument("--top", type=int, default=10, help="rows shown per table")

    whatif = commands.add_parser("whatif", help="replay the stored history under candidate rules and compare, touching nothing live")
    whatif.add_argument("--config", required=True, help="the candidate rules file (e.g. config/scoring.suggested.yml)")
    whatif.add_argument("--start", type=parse_date, default=None, help="first as-of date (default: the first stored)")
    whatif.add_argument("--end", type=parse_date, default=None, help="last as-of date (default: the last stored)")

    review = commands.add_parser("review", help="the quarterly review pack: pending demotions, promotions, tier sizes, ICP evidence")
    review.add_argument("--date", type=parse_date, default=None, help="as of this published date (default: the latest)")

    inspect = commands.add_parser("inspect", help="show how a file or export folder would map and parse (loads nothing)")
    inspect.add_argument("path", help="an export file, or a landing/<source>/<date>/ folder")

    ui = commands.add_parser("ui", help="open the Dagster UI (dagster dev) on this data folder's instance")
    ui.add_argument("--port", type=int, default=3000)

    quarantine = commands.add_parser(
        "quarantine", help="set a bad export aside so later dates run on the one before it (--release takes it back)"
    )
    quarantine.add_argument("source")
    quarantine.add_argument("date", type=parse_date)
    quarantine.add_argument("--reason", help="why it is set aside (required unless --release)")
    quarantine.add_argument("--release", action="store_true", help="take a quarantined export back")

    dbt = commands.add_parser(
        "dbt", help="run dbt on this data folder with the rules and the as-of date filled in: abm dbt -- docs generate"
    )
    dbt.add_argument("--date", type=parse_date, default=None, help="as-of date (default: the latest that can be scored)")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="the dbt command and its arguments, after --")
    return parser


COMMANDS = {
    "prepare": cmd_prepare,
    "generate": cmd_generate,
    "demo": cmd_demo,
    "run": cmd_run,
    "backfill": cmd_backfill,
    "icp": cmd_icp,
    "whatif": cmd_whatif,
    "review": cmd_review,
    "inspect": cmd_inspect,
    "ui": cmd_ui,
    "dbt": cmd_dbt,
    "quarantine": cmd_quarantine,
}


def main(argv: list[str] | None = None) -> int:
    from dagster_project.runs import DataFolderBusy
    from dagster_project.settings import EngineError, PiiSecretError

    args = build_parser().parse_args(argv)
    if args.data_dir:
        os.environ["ABM_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    if args.engine:
        os.environ["ABM_ENGINE"] = args.engine
    try:
        return COMMANDS[args.command](args)
    except (NotStarted, DataFolderBusy, PiiSecretError, EngineError) as error:
        print(f"Not started: {error}", file=sys.stderr)
        return 3
    except Exception as error:
        if args.verbose:
            raise
        if is_disk_full(error):
            print(f"abm {args.command} failed: {disk_full_message(data_dir())}", file=sys.stderr)
            return 1
        if isinstance(error, OSError):
            print(f"abm {args.command} failed: {error} (rerun with --verbose for the traceback)", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
