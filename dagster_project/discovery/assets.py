"""ICP discovery in Dagster: the discovery dbt models (one `dbt build` as of the latest loaded
opportunity export, or the run's `abm/as_of` tag) and the evidence they give, on a monthly schedule."""

import datetime as dt

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    DefaultScheduleStatus,
    Failure,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
    in_process_executor,
)
from dagster_dbt import dbt_assets

from dagster_project.discovery.backtest import search_suggestions
from dagster_project.discovery.evidence import headline, markdown, read_evidence
from dagster_project.discovery.suggest import EvidenceIndex, withdraw_suggested, write_suggested
from dagster_project.ingest.loader import loaded_export_dates
from dagster_project.publish.assets import render_version_report, switch_everywhere
from dagster_project.publish.serving import OPTIONAL_PUBLISHED_TABLES, build_version_adding
from dagster_project.resources import DataFolder, ScoringRules
from dagster_project.runs import ensure_free
from dagster_project.settings import Paths
from dagster_project.transform.assets import DISCOVERY_TAG, AbmDbtTranslator, build_models
from dagster_project.transform.project import dbt_project
from dagster_project.transform.resource import AbmDbtCliResource

DISCOVERY_GROUP = "discovery"
DISCOVERY_JOB_NAME = "abm_icp_discovery"
AS_OF_TAG = "abm/as_of"


def discovery_as_of(tags, locations: Paths) -> dt.date:
    """The run's `abm/as_of` tag, else the latest loaded opportunity export."""
    if tags.get(AS_OF_TAG):
        return dt.date.fromisoformat(tags[AS_OF_TAG])
    dates = loaded_export_dates(locations, "crm_opportunities")
    if not dates:
        raise Failure(description="ICP discovery needs closed deals: no opportunity export is loaded yet.", allow_retries=False)
    return dates[-1]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=f"tag:{DISCOVERY_TAG}",
    dagster_dbt_translator=AbmDbtTranslator(),
    pool="warehouse",
    name="icp_discovery_models",
)
def icp_discovery_models(context: AssetExecutionContext, dbt: AbmDbtCliResource, data_folder: DataFolder, rules: ScoringRules):
    as_of = discovery_as_of(context.run.tags, data_folder.paths)
    yield from build_models(context, dbt, data_folder, rules, as_of, as_of)


@asset(
    deps=[AssetKey("icp_attribute_lift"), AssetKey("icp_fit_suggested")],
    group_name=DISCOVERY_GROUP,
    description=(
        "What the won deals share, ranked; candidate rules from the evidence backtested over the stored history, and "
        "config/scoring.suggested.yml when one holds the current rules' wins in tiers 1+2 (never applied by itself)."
    ),
)
def icp_evidence(context: AssetExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> MaterializeResult:
    locations = data_folder.paths
    with duckdb.connect(str(locations.warehouse), read_only=True) as con:
        evidence = read_evidence(con)
    header = [
        f"Proposed by `abm icp` from {evidence.deals:,} closed deals as of {evidence.as_of}, each described as of its creation.",
        "Evidence: deals with the value, wins, lift over the overall win rate [95 % interval]; a value without",
        "evidence either way keeps its current points.",
    ]
    index = EvidenceIndex(evidence.suggestions, rules.load()["discovery"])
    search = search_suggestions(locations, rules.file, index, header)
    if search.chosen:
        suggested, diff = write_suggested(rules.file, search.chosen.rules_text)
    else:
        withdraw_suggested(rules.file)
        suggested, diff = None, ""
    report = locations.reports / f"icp-{evidence.as_of}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(evidence, diff=diff, backtest=search.markdown()))
    context.log.info(f"{headline(evidence)} {search.verdict} Report: {report}")
    return MaterializeResult(
        metadata={
            "as_of": evidence.as_of,
            "closed_deals": evidence.deals,
            "wins": evidence.wins,
            "left_out_before_history": evidence.undescribed,
            "top_attributes": MetadataValue.md(markdown(evidence, top=5)),
            "backtest": MetadataValue.md(search.markdown()),
            "suggested_rules": MetadataValue.path(str(suggested)) if suggested else "none",
            "report": MetadataValue.path(str(report)),
        }
    )


@asset(
    key=AssetKey(["published_icp"]),
    deps=[icp_evidence],
    group_name=DISCOVERY_GROUP,
    description=(
        "icp_attribute_lift published at once: a new version of the served tables with it added (the "
        "same atomic switch as a nightly publish; the tiers stay as served), and the tier report linking the ICP report."
    ),
)
def published_icp(context: AssetExecutionContext, data_folder: DataFolder, rules: ScoringRules) -> MaterializeResult:
    locations = data_folder.paths
    ensure_free(locations.data_dir)
    version = build_version_adding(locations.warehouse, locations.published, OPTIONAL_PUBLISHED_TABLES)
    if version is None:
        context.log.warning("Nothing is published yet: the ICP tables are published with the first nightly publish.")
        return MaterializeResult(metadata={"published": False})
    with duckdb.connect(str(version.serving_file), read_only=True) as con:
        (as_of,) = con.execute("select max(as_of_date) from account_tiers").fetchone()
    render_version_report(locations, version, as_of, rules.load()["score_caps"])
    switch_everywhere(locations, version)
    context.log.info(f"Published {version.row_counts} as {version.folder.name}")
    return MaterializeResult(
        metadata={"published": True, "version": version.folder.name, **{f"rows_{t}": n for t, n in version.row_counts.items()}}
    )


discovery_job = define_asset_job(
    DISCOVERY_JOB_NAME,
    selection=[icp_discovery_models, icp_evidence, published_icp],
    executor_def=in_process_executor,
    description="ICP discovery from the closed deals: evidence and suggested fit rules for the quarterly review.",
)

# Monthly, after the nightly run of the 1st.
discovery_schedule = ScheduleDefinition(
    name="abm_icp_discovery_schedule", job=discovery_job, cron_schedule="0 5 1 * *", default_status=DefaultScheduleStatus.RUNNING
)
