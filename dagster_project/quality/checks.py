"""Asset checks: GX suites on each raw export and on the candidate tiers, blocking the publish.

dbt tests guard model invariants (run inside `dbt build`); these GX suites guard what dbt cannot:
the raw exports as delivered, and the publish gate on the run's result.
"""

import datetime as dt
import os

import duckdb
import pandas as pd
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from dagster_project.ingest.assets import raw_asset_key
from dagster_project.ingest.loader import partition_dir
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.partitions import daily_partitions
from dagster_project.quality.gx_suites import SuiteOutcome, load_suite_document, query_frame, suite_columns, validate
from dagster_project.quality.report import record_outcome
from dagster_project.settings import paths, scoring_config_path
from dagster_project.transform.scoring_config import load_scoring_config

EARLIEST_PLAUSIBLE_DATE = pd.Timestamp("1900-01-01")
DEFAULT_MAX_UNREACHABLE_TIER_1_SHARE = 0.5
# Event rows may be dated after their export (a meeting booked ahead); beyond this they are implausible.
FUTURE_HORIZON_DAYS = 366


def check_result(context: AssetCheckExecutionContext, outcome: SuiteOutcome, extra: dict | None = None) -> AssetCheckResult:
    page = record_outcome(paths().reports, context.run.run_id, outcome)
    if outcome.passed:
        context.log.info(outcome.summary())
    else:
        context.log.error(outcome.summary()) if outcome.blocking_failures else context.log.warning(outcome.summary())
    return AssetCheckResult(
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking_failures else AssetCheckSeverity.WARN,
        description=outcome.summary(),
        metadata={
            "suite": outcome.suite,
            "table": outcome.table,
            "rows_validated": outcome.rows,
            "failed_expectations": len(outcome.failures),
            "blocking_failures": len(outcome.blocking_failures),
            "failures": MetadataValue.md("\n".join(f"- {o.describe()}" for o in outcome.failures) or "none"),
            "data_quality_report": MetadataValue.path(str(page)),
            **(extra or {}),
        },
    )


def latest_export_date(source: str, as_of_end: dt.date) -> dt.date | None:
    root = paths().raw / source
    if not root.is_dir():
        return None
    dates = [
        dt.date.fromisoformat(p.name.removeprefix("export_date="))
        for p in root.iterdir()
        if p.name.startswith("export_date=") and any(p.glob("*.parquet"))
    ]
    dates = [d for d in dates if d <= as_of_end]
    return max(dates, default=None)


def build_raw_check(source: str):
    suite = f"raw_{source}"

    @asset_check(
        asset=raw_asset_key(source),
        name=f"{suite}_suite",
        blocking=True,
        description=f"GX suite expectations/{suite}.json on the latest {source} export up to the as-of date.",
    )
    def raw_export_check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        _, as_of_end = as_of_range_of_run(context)
        export_date = latest_export_date(source, as_of_end)
        if export_date is None:
            required = SCHEMAS[source].required_for_scoring
            return AssetCheckResult(
                passed=not required,
                severity=AssetCheckSeverity.ERROR if required else AssetCheckSeverity.WARN,
                description=f"no {source} export on or before {as_of_end}" + (" (scoring needs one)" if required else ""),
            )
        folder = partition_dir(paths().raw, source, export_date)
        columns = ", ".join(f'"{c}"' for c in suite_columns(suite))
        with duckdb.connect() as con:
            frame = query_frame(con, f"select {columns} from read_parquet('{folder}/*.parquet', union_by_name = true)")
        parameters = raw_suite_parameters(suite, export_date, as_of_end)
        outcome = validate(suite, f"raw/{source}/export_date={export_date}", frame, parameters)
        return check_result(context, outcome, {"export_date": export_date.isoformat()})

    return raw_export_check


def raw_suite_parameters(suite: str, export_date: dt.date, as_of_end: dt.date) -> dict:
    """The dates a raw suite compares with: freshness against the as-of date, plausibility against the export's."""
    limit_days = load_suite_document(suite).get("meta", {}).get("freshness_limit_days", 2)
    return {
        "freshness_floor": pd.Timestamp(as_of_end - dt.timedelta(days=limit_days)),
        "earliest_date": EARLIEST_PLAUSIBLE_DATE,
        "latest_date": pd.Timestamp(export_date + dt.timedelta(days=1)),
        "horizon_date": pd.Timestamp(export_date + dt.timedelta(days=FUTURE_HORIZON_DAYS)),
    }


def as_of_range_of_run(context: AssetCheckExecutionContext) -> tuple[dt.date, dt.date]:
    """The run's as-of range: checks run once per run, over the partitions the run covers."""
    tags = context.run.tags
    if "dagster/partition" in tags:
        day = dt.date.fromisoformat(tags["dagster/partition"])
        return day, day
    if "dagster/asset_partition_range_start" in tags:
        return (
            dt.date.fromisoformat(tags["dagster/asset_partition_range_start"]),
            dt.date.fromisoformat(tags["dagster/asset_partition_range_end"]),
        )
    latest = dt.date.fromisoformat(daily_partitions.get_last_partition_key())
    return latest, latest


def read_warehouse(query: str) -> pd.DataFrame:
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        return query_frame(con, query)


@asset_check(
    asset=AssetKey(["account_tiers"]),
    name="account_tiers_suite",
    blocking=True,
    description="GX suite expectations/account_tiers.json on the candidate tiers of the run's last as-of date.",
)
def account_tiers_check(context: AssetCheckExecutionContext) -> AssetCheckResult:
    _, as_of_end = as_of_range_of_run(context)
    columns = ", ".join(suite_columns("account_tiers"))
    frame = read_warehouse(f"select {columns} from account_tier_history where as_of_date = '{as_of_end}'")
    return check_result(context, validate("account_tiers", f"account_tier_history as of {as_of_end}", frame))


@asset_check(
    asset=AssetKey(["account_tiers"]),
    name="account_tiers_gate",
    blocking=True,
    description=(
        "GX suite expectations/account_tiers_gate.json on per-date metrics of the run's tiers: tier 1 "
        "within the cap, few unreachable tier 1 accounts, a sane number of accounts."
    ),
)
def account_tiers_gate(context: AssetCheckExecutionContext) -> AssetCheckResult:
    as_of_start, as_of_end = as_of_range_of_run(context)
    frame = read_warehouse(
        f"""
        select
            as_of_date,
            count(*) as accounts,
            count(*) filter (where tier = 'tier_1') as tier_1_accounts,
            coalesce(avg(case when not is_reachable then 1.0 else 0.0 end) filter (where tier = 'tier_1'), 0)
                as unreachable_tier_1_share,
            avg(case when tier = 'disqualified' then 1.0 else 0.0 end) as disqualified_share
        from account_tier_history
        where as_of_date between '{as_of_start}' and '{as_of_end}'
        group by as_of_date
        order by as_of_date
        """
    )
    if frame.empty:
        frame = pd.DataFrame([{"as_of_date": as_of_end, "accounts": 0, "tier_1_accounts": 0,
                               "unreachable_tier_1_share": 0.0, "disqualified_share": 0.0}])
    scoring = load_scoring_config(scoring_config_path())
    parameters = {
        "tier_1_cap": scoring["tiers"]["tier_1_cap"],
        "max_unreachable_tier_1_share": max_unreachable_tier_1_share(),
    }
    outcome = validate("account_tiers_gate", f"account_tier_history {as_of_start}..{as_of_end}", frame, parameters)
    latest = frame.iloc[-1]
    return check_result(
        context,
        outcome,
        {
            "tier_1_accounts": int(latest["tier_1_accounts"]),
            "unreachable_tier_1_share": float(latest["unreachable_tier_1_share"]),
            "accounts": int(latest["accounts"]),
        },
    )


def max_unreachable_tier_1_share() -> float:
    return float(os.environ.get("ABM_MAX_UNREACHABLE_TIER_1_SHARE", DEFAULT_MAX_UNREACHABLE_TIER_1_SHARE))


raw_checks = [build_raw_check(source) for source in SCHEMAS]
quality_checks = [*raw_checks, account_tiers_check, account_tiers_gate]
