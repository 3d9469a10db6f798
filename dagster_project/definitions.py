"""The one Definitions object: ingest, transform, quality, publish, ICP discovery and schedules, each from its own module."""

from dagster import Definitions

from dagster_project.discovery.assets import discovery_job, discovery_schedule, icp_discovery_models, icp_evidence, published_icp
from dagster_project.ingest.assets import ingest_assets
from dagster_project.publish.assets import crm_activation, published_tiers
from dagster_project.quality.checks import quality_checks
from dagster_project.resources import DataFolder, ScoringRules
from dagster_project.schedules.nightly import nightly_job, nightly_schedule
from dagster_project.schedules.sensors import sensors
from dagster_project.transform.assets import abm_dbt_models, dbt_resource

defs = Definitions(
    assets=[*ingest_assets, abm_dbt_models, published_tiers, crm_activation, icp_discovery_models, icp_evidence, published_icp],
    asset_checks=quality_checks,
    jobs=[nightly_job, discovery_job],
    schedules=[nightly_schedule, discovery_schedule],
    sensors=sensors,
    resources={"dbt": dbt_resource, "data_folder": DataFolder(), "rules": ScoringRules()},
)
