"""Asset checks: GX suites on each raw export and on the candidate tiers, blocking the publish.

dbt tests guard model invariants (run inside `dbt build`); these GX suites guard what dbt cannot:
the raw exports as delivered, and the publish gate on the run's result.
"""

import datetime as dt

import duckdb
import pandas as pd
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, Failure, MetadataValue, asset_check

from dagster_project.alerts import send_alert
from dagster_project.ingest.assets import raw_asset_key
from dagster_project.ingest.loader import loaded_export_dates, partition_dir
from dagster_project.ingest.quarantine import quarantined
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.partitions import as_of_range
from dagster_project.quality.diagnosis import content_explanation, export_headers, likely_causes
from dagster_project.quality.gx_suites import SuiteOutcome, load_suite_document, query_frame, suite_columns, validate, validate_parquet
from dagster_project.quality.report import record_outcome
from dagster_project.resources import DataFolder, ScoringRules
from dagster_project.settings import Paths
from dagster_project.tiers import TIERS
from dagster_project.vocabulary import country_codes_by_spelling, country_value_set

EARLIEST_PLAUSIBLE_DATE = pd.Timestamp("1900-01-01")
ACCEPT_CHANGE_TAG = "abm/accept_change"

# The gate's numbers per as-of date of the run, computed once in dbt (tier_metrics, tier_movement_checks).
GATE_COLUMNS = ("as_of_date", "accounts", "tier_1_accounts", "unreachable_tier_1_share", "disqualified_share")
MOVE_COLUMNS = ("as_of_date", "move", "description", "moved", "compared", "churn_share", "move_limit", "moved_beyond_limit")
# Event rows may be dated after their export (a meeting booked ahead); beyond this they are implausible.
FUTURE_HORIZON_DAYS = 366


def set_aside(locations: Paths) -> list[dict]:
    """Every quarantined export, for the data-quality report."""
    return [record for source in SCHEMAS for record in quarantined(locations, source).values()]


def check_result(
    context: AssetCheckExecutionContext, locations: Paths, outcome: SuiteOutcome, extra: dict | None = None
) -> AssetCheckResult:
    page = record_outcome(locations.reports, context.run.run_id, outcome, set_aside(locations))
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


def build_raw_check(source: str):
    suite = f"raw_{source}"

    @asset_check(
        asset=raw_asset_key(source),
        name=f"{suite}_suite",
        blocking=True,
        description=f"GX suite expectations/{suite}.json on the latest {source} export up to the as-of date.",
    )
    def raw_export_check(context: AssetCheckExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> AssetCheckResult:
        locations = data_folder.paths
        _, as_of_end = as_of_range(context)
        export_date = max(loaded_export_dates(locations, source, as_of_end), default=None)
        if export_date is None:
            required = SCHEMAS[source].required_for_scoring
            return AssetCheckResult(
                passed=not required,
                severity=AssetCheckSeverity.ERROR if required else AssetCheckSeverity.WARN,
                description=f"no {source} export on or before {as_of_end}" + (" (scoring needs one)" if required else ""),
            )
        folder = partition_dir(locations.raw, source, export_date)
        parameters = raw_suite_parameters(suite, export_date, as_of_end)
        outcome = validate_parquet(suite, f"raw/{source}/export_date={export_date}", f"{folder}/*.parquet", parameters)
        locate_failures(folder, outcome)
        outcome.delivery = (source, export_date.isoformat())
        headers = export_headers(locations, source, export_date)
        outcome.explanation = content_explanation(source, folder, outcome, headers, known_values(rules))
        return check_result(context, locations, outcome, {"export_date": export_date.isoformat()})

    return raw_export_check


def locate_failures(folder, outcome: SuiteOutcome, rows_shown: int = 5) -> None:
    """Name the export file and rows each failing value is on: the raw partition alone does not say
    which file of an export to fix."""
    for failure in outcome.failures:
        if not failure.column or "," in failure.column or failure.column.startswith("_"):
            continue
        if failure.expectation == "expect_column_values_to_not_be_null":
            condition, values = f'"{failure.column}" is null', []
        elif failure.unmasked_examples and not isinstance(failure.unmasked_examples[0], (dict, list)):
            condition = f'cast("{failure.column}" as varchar) in ({", ".join("?" for _ in failure.unmasked_examples)})'
            values = [str(v) for v in failure.unmasked_examples]
        else:
            continue
        with duckdb.connect() as con:
            found = con.execute(
                f"""select _source_file, list(_row_number order by _row_number)[1:{rows_shown}], count(*)
                    from read_parquet('{folder}/*.parquet', union_by_name = true)
                    where {condition} group by _source_file order by _source_file limit 3""",
                values,
            ).fetchall()
        failure.found_in = (
            "; ".join(
                f"{name} row{'s' if count > 1 else ''} {', '.join(map(str, rows))}{' ...' if count > len(rows) else ''}"
                for name, rows, count in found
            )
            or None
        )


def known_values(rules: ScoringRules) -> dict[str, set[str]]:
    """What each content-checked column holds, lower-cased: for naming what a failing column holds
    instead. A delivery is checked whatever the rules' state (the dbt step refuses invalid rules)."""
    try:
        scoring = rules.load()
    except Failure:
        scoring = {"fit": {"industries": {}}, "exclusions": {"industries": []}}
    industries = {*scoring["fit"]["industries"], *scoring["exclusions"]["industries"]}
    return {"country": set(country_codes_by_spelling()), "industry": {industry.lower() for industry in industries}}


def raw_suite_parameters(suite: str, export_date: dt.date, as_of_end: dt.date) -> dict:
    """The dates a raw suite compares with (freshness against the as-of date, plausibility against the
    export's) and the countries a country column may hold."""
    limit_days = load_suite_document(suite).get("meta", {}).get("freshness_limit_days", 2)
    return {
        "country_spellings": country_value_set(),
        "freshness_floor": pd.Timestamp(as_of_end - dt.timedelta(days=limit_days)),
        "earliest_date": EARLIEST_PLAUSIBLE_DATE,
        "latest_date": pd.Timestamp(export_date + dt.timedelta(days=1)),
        "horizon_date": pd.Timestamp(export_date + dt.timedelta(days=FUTURE_HORIZON_DAYS)),
    }


def read_warehouse(locations: Paths, query: str) -> pd.DataFrame:
    with duckdb.connect(str(locations.warehouse), read_only=True) as con:
        return query_frame(con, query)


def read_run_dates(locations: Paths, table: str, columns: tuple[str, ...], start: dt.date, end: dt.date) -> pd.DataFrame:
    """A per-date mart's rows of the run's as-of dates, in the columns' order."""
    query = f"select {', '.join(columns)} from {table} where as_of_date between '{start}' and '{end}' order by {', '.join(columns[:2])}"
    return read_warehouse(locations, query)


@asset_check(
    asset=AssetKey(["account_tiers"]),
    name="account_tiers_suite",
    blocking=True,
    description="GX suite expectations/account_tiers.json on the candidate tiers of the run's last as-of date.",
)
def account_tiers_check(context: AssetCheckExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> AssetCheckResult:
    _, as_of_end = as_of_range(context)
    columns = ", ".join(suite_columns("account_tiers"))
    frame = read_warehouse(data_folder.paths, f"select {columns} from account_tier_history where as_of_date = '{as_of_end}'")
    outcome = validate("account_tiers", f"account_tier_history as of {as_of_end}", frame, account_tiers_parameters(rules.load()))
    return check_result(context, data_folder.paths, outcome)


def account_tiers_parameters(scoring: dict) -> dict:
    """The tiers and each score's cap, from the rules: the suite holds no copy of either."""
    caps = scoring["score_caps"]
    return {"tiers": list(TIERS), "total_cap": sum(caps.values())} | {f"{score}_cap": cap for score, cap in caps.items()}


@asset_check(
    asset=AssetKey(["account_tiers"]),
    name="account_tiers_gate",
    blocking=True,
    description=(
        "GX suite expectations/account_tiers_gate.json on per-date metrics of the run's tiers: tier 1 "
        "within the cap and accounts scored (blocking); unreachable tier 1 and disqualified shares (warnings)."
    ),
)
def account_tiers_gate(context: AssetCheckExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> AssetCheckResult:
    as_of_start, as_of_end = as_of_range(context)
    frame = read_run_dates(data_folder.paths, "tier_metrics", GATE_COLUMNS, as_of_start, as_of_end)
    if frame.empty:
        frame = pd.DataFrame([{column: 0 for column in GATE_COLUMNS} | {"as_of_date": as_of_end}])
    scoring = rules.load()
    gate = scoring["gate"]
    parameters = {
        "tier_1_cap": scoring["tiers"]["tier_1_cap"],
        "warn_unreachable_tier_1_share": gate["warn_unreachable_tier_1_share"],
        "warn_disqualified_share": gate["warn_disqualified_share"],
    }
    outcome = validate("account_tiers_gate", f"account_tier_history {as_of_start}..{as_of_end}", frame, parameters)
    latest = frame.iloc[-1]
    return check_result(
        context,
        data_folder.paths,
        outcome,
        {
            "tier_1_accounts": int(latest["tier_1_accounts"]),
            "unreachable_tier_1_share": float(latest["unreachable_tier_1_share"]),
            "accounts": int(latest["accounts"]),
            "disqualified_share": float(latest["disqualified_share"]),
        },
    )


@asset_check(
    asset=AssetKey(["tier_movement_checks"]),
    name="tier_movement_gate",
    blocking=True,
    description=(
        "GX suite expectations/tier_movement_gate.json: no day of the run moves more accounts (tiers, "
        "firmographics, lost accounts, contacts, tier 1 reach) than the book's day-to-day churn explains."
    ),
)
def tier_movement_gate(context: AssetCheckExecutionContext, data_folder: DataFolder) -> AssetCheckResult:
    as_of_start, as_of_end = as_of_range(context)
    frame = read_run_dates(data_folder.paths, "tier_movement_checks", MOVE_COLUMNS, as_of_start, as_of_end)
    accepted = context.run.tags.get(ACCEPT_CHANGE_TAG)
    # a change someone accepted for this run, with a reason recorded on the run, is not bounded
    parameters = {"moves_allowed_beyond_limit": float("inf") if accepted else 0}
    outcome = validate("tier_movement_gate", f"tier_movement_checks {as_of_start}..{as_of_end}", frame[["moved_beyond_limit"]], parameters)
    beyond = frame[frame["moved_beyond_limit"] > 0]
    # the move furthest beyond its limit first: a lost column moves firmographics most, tiers follow
    furthest_first = beyond.assign(beyond_by=beyond["moved"] / beyond["move_limit"]).sort_values("beyond_by", ascending=False)
    findings = [describe_move(row) for row in furthest_first.itertuples()]
    if findings and not accepted:
        causes = likely_causes(data_folder.paths, beyond)
        outcome.explanation = "; ".join(findings + causes) + f". {ACCEPT_HINT}"
    return check_result(
        context,
        data_folder.paths,
        outcome,
        {
            "moves_beyond_limit": len(beyond),
            "findings": MetadataValue.md("\n".join(f"- {text}" for text in findings) or "none"),
            **({"change_accepted_because": accepted} if accepted else {}),
        },
    )


ACCEPT_HINT = "If the change is real (new rules, a new source, a cleanup in the CRM), publish it with abm run --accept-change REASON"


def describe_move(row) -> str:
    return (
        f"{row.as_of_date:%Y-%m-%d}: {row.moved:,} of {row.compared:,} {row.description}, "
        f"where the book's day-to-day churn ({row.churn_share:.1%}) explains at most {row.move_limit:,}"
    )


@asset_check(
    asset=AssetKey(["tier_performance"]),
    name="tier_performance_suite",
    blocking=False,
    description="GX suite expectations/tier_performance.json: each tier converts at least as well as the tier below it, beyond the noise.",
)
def tier_performance_check(context: AssetCheckExecutionContext, data_folder: DataFolder) -> AssetCheckResult:
    columns = "tier, next_tier, closed_opportunities, won_opportunities, win_rate, win_rate_low, win_rate_high, converts_below_next_tier"
    frame = read_warehouse(data_folder.paths, f"select {columns} from tier_performance order by tier")
    outcome = validate("tier_performance", "tier_performance", frame[["converts_below_next_tier"]])
    for row in frame[frame["converts_below_next_tier"]].itertuples():
        below = row.next_tier
        other = frame[frame["tier"] == below].iloc[0]
        text = (
            f"{row.tier} converts below {below}: {row.won_opportunities} of {row.closed_opportunities} closed deals won "
            f"({row.win_rate_low:.0%}-{row.win_rate_high:.0%}) against {other.won_opportunities} of {other.closed_opportunities} "
            f"({other.win_rate_low:.0%}-{other.win_rate_high:.0%}). Review the rules (abm icp)."
        )
        send_alert(data_folder.paths.alerts, "tier_conversion", text, {"tier": row.tier, "below": below}, context.log)
    return check_result(context, data_folder.paths, outcome)


raw_checks = [build_raw_check(source) for source in SCHEMAS]
quality_checks = [*raw_checks, account_tiers_check, account_tiers_gate, tier_movement_gate, tier_performance_check]
