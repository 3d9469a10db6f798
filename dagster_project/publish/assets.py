"""The publish asset: runs only after every blocking check of the run has passed."""

import duckdb
from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, Failure, MaterializeResult, MetadataValue, asset

from dagster_project.ingest.loader import missing_sources
from dagster_project.partitions import TRANSIENT_FAILURE_RETRIES, as_of_range, daily_partitions
from dagster_project.publish.activation import send_overdue_alerts, send_promotion_alerts, send_weekly_digests, write_crm_files
from dagster_project.publish.postgres import build, describe, publish_url, switch
from dagster_project.publish.report import latest_reports, render_tier_report
from dagster_project.publish.serving import PUBLISHED_TABLES, Version, build_version, published_docs, switch_to
from dagster_project.quality.report import latest_report
from dagster_project.resources import DataFolder, ScoringRules
from dagster_project.runs import ensure_free


@asset(
    key=AssetKey(["published_tiers"]),
    group_name="publish",
    deps=[AssetKey([table]) for table in PUBLISHED_TABLES],
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    retry_policy=TRANSIENT_FAILURE_RETRIES,
    description=(
        "The BI-facing tables in a new version folder (serving DuckDB file, Parquet, tier report) that "
        "published/current switches to in one rename; published/serving.duckdb, parquet/ and "
        "tier_report.html follow it."
    ),
)
def published_tiers(context: AssetExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> MaterializeResult:
    locations = data_folder.paths
    ensure_free(locations.data_dir)
    version = build_version(locations.warehouse, locations.published)
    _, as_of_end = as_of_range(context)
    summary = run_metrics(version.serving_file, as_of_end)
    render_version_report(locations, version, as_of_end, rules.load()["score_caps"])
    served_by = switch_everywhere(locations, version)
    context.log.info(f"Published {version.row_counts} as {version.folder.name} ({served_by})")
    return MaterializeResult(
        metadata={
            "serving_file": MetadataValue.path(str(locations.serving_db)),
            "version": version.folder.name,
            "parquet_dir": MetadataValue.path(str(locations.published / "parquet")),
            "tier_report": MetadataValue.url((locations.published / "tier_report.html").as_uri()),
            **{f"rows_{table}": count for table, count in version.row_counts.items()},
            **summary,
        }
    )


def switch_everywhere(locations, version: Version) -> str:
    """The new version served by the DuckDB file and, with ABM_PUBLISH_URL, by PostgreSQL: PostgreSQL
    is built and switched first, so that either both serve it or the failure says which still serves
    the previous one. Returns where it is served."""
    url = publish_url()
    if url:
        try:
            switch(url, build(url, version.serving_file, published_docs()))
        except Exception as error:
            raise Failure(
                description=(
                    f"{describe(url)} was not switched and still serves the previous version; the DuckDB file was not "
                    f"switched either: {error}"
                ),
            ) from error
    try:
        switch_to(locations.published, version)
    except OSError as error:
        if url:
            raise Failure(
                description=f"{describe(url)} serves the new version, the DuckDB file still serves the previous one: {error}",
                allow_retries=False,
            ) from error
        raise
    return f"the DuckDB file and {describe(url)}" if url else "the DuckDB file"


def render_version_report(locations, version: Version, as_of, score_caps: dict[str, float]) -> None:
    """The version's tier report: its tables, the run's data quality, what has not landed, and links
    to the latest ICP discovery and what-if reports."""
    missing = missing_sources(locations, as_of)
    reports = latest_reports(locations)
    render_tier_report(version.serving_file, version.report, latest_report(locations.reports), missing, reports, score_caps)


# Numbers the Dagster UI plots partition over partition, from the tier_metrics mart.
METADATA_METRICS = (
    "accounts",
    "tier_1_accounts",
    "tier_2_accounts",
    "tier_3_accounts",
    "disqualified_accounts",
    "promotions",
    "demotions",
    "tier_1_reachable_share",
)


def run_metrics(serving_file, as_of) -> dict[str, float]:
    """The run's own as-of date (a backfill of an old date reports that date, not the latest)."""
    with duckdb.connect(str(serving_file), read_only=True) as con:
        row = con.execute(f"select {', '.join(METADATA_METRICS)} from tier_metrics where as_of_date = ?", [as_of]).fetchone()
    return dict(zip(METADATA_METRICS, row, strict=True)) if row else {}


@asset(
    key=AssetKey(["crm_activation"]),
    group_name="publish",
    deps=[published_tiers],
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"csv"},
    retry_policy=TRANSIENT_FAILURE_RETRIES,
    description=(
        "After each publish: an alert for the owner of every promotion and every demotion out of tier 1 "
        "(once per change), and Salesforce / HubSpot import files with the accounts whose tier or score changed."
    ),
)
def crm_activation(context: AssetExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> MaterializeResult:
    locations = data_folder.paths
    as_of_start, as_of_end = as_of_range(context)
    sent, already_sent = send_promotion_alerts(locations.serving_db, locations.alerts, as_of_start, as_of_end, context.log)
    overdue = send_overdue_alerts(locations.serving_db, locations.alerts, context.log)
    digests = send_weekly_digests(locations.serving_db, locations.alerts, as_of_end, context.log)
    fields = rules.load()["activation"]["writeback_fields"]
    try:
        folder, rows = write_crm_files(locations.serving_db, as_of_end, locations.published / "crm_writeback", fields)
    except duckdb.Error as error:  # the same files and SQL fail the same way again: no retry
        raise Failure(description=f"CRM write-back files could not be written: {error}", allow_retries=False) from error
    context.log.info(
        f"{sent} tier-change alerts sent ({already_sent} already sent before), {overdue} overdue tier 1 plays, "
        f"{digests} owners' weekly digests; "
        f"{rows} accounts to write back"
    )
    return MaterializeResult(
        metadata={
            "alerts_sent": sent,
            "alerts_already_sent": already_sent,
            "overdue_play_alerts_sent": overdue,
            "weekly_digests_sent": digests,
            "writeback_accounts": rows,
            "writeback_folder": MetadataValue.path(str(folder)),
        }
    )
