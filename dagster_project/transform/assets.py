"""The dbt models as Dagster assets: one `dbt build` per run scores every as-of date of the run."""


import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, BackfillPolicy, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.partitions import as_of_range, daily_partitions
from dagster_project.settings import data_dir, scoring_config_path
from dagster_project.transform.dbt_args import dbt_build_args
from dagster_project.transform.project import dbt_project
from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config


class AbmDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transform"


def publish_emails() -> bool:
    return os.environ.get("ABM_PUBLISH_EMAILS", "").lower() in ("1", "true", "yes")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=AbmDbtTranslator(),
    pool="warehouse",
)
def abm_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    as_of_start, as_of_end = as_of_range(context)
    try:
        scoring = load_scoring_config(scoring_config_path())
    except ScoringConfigError as error:
        raise Failure(description=f"Invalid scoring rules, no model was run: {error}") from error
    # dbt's profile reads the data folder from the environment; pin it so the run and dbt agree.
    os.environ["ABM_DATA_DIR"] = str(data_dir())
    context.log.info(f"Scoring as of {as_of_start} to {as_of_end} in one dbt invocation")
    yield from dbt.cli(dbt_build_args(as_of_start, as_of_end, scoring, publish_emails()), context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project)
