"""The dbt models as Dagster assets: one `dbt build` per run scores every as-of date of the run."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, BackfillPolicy, Failure
from dagster_dbt import DagsterDbtTranslator, dbt_assets

from dagster_project.ingest.loader import loaded_sources
from dagster_project.memory import release_freed_memory
from dagster_project.partitions import as_of_range, daily_partitions
from dagster_project.resources import DataFolder, ScoringRules
from dagster_project.runs import ensure_free
from dagster_project.settings import PiiSecretError, pii_secret, publish_contact_names, publish_emails
from dagster_project.transform.dbt_args import dbt_build_args, dbt_env, dbt_vars
from dagster_project.transform.project import dbt_project
from dagster_project.transform.resource import AbmDbtCliResource, environment_of_subprocesses, keep_parse, prune_failed_run, run_target_path
from dagster_project.transform.score_inputs import score_inputs_env
from dagster_project.transform.spark_tables import expose_spark_tables

DISCOVERY_TAG = "discovery"
WHATIF_TAG = "whatif"  # built by `abm whatif` in a scratch warehouse only (dagster_project/whatif.py)


def describe_dbt_test(test: Mapping[str, Any]) -> str:
    """What a dbt data test guards, in words, for its check in the Dagster UI (its YAML description
    when it has one)."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata") or {}
    arguments = meta.get("kwargs", {})
    column = arguments.get("column_name") or test.get("column_name")
    low, high = arguments.get("min_value"), arguments.get("max_value")
    bounds = " and ".join(part for part in (low is not None and f"at least {low}", high is not None and f"at most {high}") if part)
    described = {
        "not_null": f"{column} is never empty",
        "not_null_columns": f"{', '.join(arguments.get('columns', []))} are never empty",
        "unique": f"no two rows share a {column} value",
        "accepted_values": f"{column} is one of {', '.join(map(str, arguments.get('values', [])))}",
        "between": f"{column} is {bounds}",
        "unique_combination": f"one row per {', '.join(arguments.get('columns', []))}",
        "within_score_cap": f"{column} is between 0 and the {arguments.get('score')} score's cap",
        "known_tier": f"{column} is one of the tiers" + "".join(f" or {extra}" for extra in arguments.get("also", [])),
    }
    return described.get(meta.get("name"), test.get("name", "a dbt test"))


class AbmDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """One group per layer in the UI: staging, intermediate, marts (and the seeds)."""
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return dbt_resource_props["fqn"][1]

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_dbt_test(manifest["nodes"][unique_id]))


# The nightly models: everything but ICP discovery, which runs monthly (dagster_project/discovery),
# and the what-if comparisons.
@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=f"tag:{DISCOVERY_TAG} tag:{WHATIF_TAG}",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=AbmDbtTranslator(),
    pool="warehouse",
)
def abm_dbt_models(context: AssetExecutionContext, dbt: AbmDbtCliResource, data_folder: DataFolder, rules: ScoringRules):
    as_of_start, as_of_end = as_of_range(context)
    yield from build_models(context, dbt, data_folder, rules, as_of_start, as_of_end)


def build_models(context, dbt: AbmDbtCliResource, data_folder: DataFolder, rules: ScoringRules, as_of_start, as_of_end):
    """One `dbt build` of the assets the run selected, as of the range, on the data folder's engine."""
    locations = data_folder.paths
    scoring = rules.load()
    try:
        secret = pii_secret(locations.data_dir)
    except PiiSecretError as error:
        raise Failure(description=str(error), allow_retries=False) from error
    ensure_free(locations.data_dir)
    if locations.engine == "duckdb":
        ensure_warehouse_writable(locations.warehouse)
    context.log.info(f"Building as of {as_of_start} to {as_of_end} in one dbt invocation on {locations.engine}")
    target = run_target_path(locations.dbt_target, context.run_id)
    args = dbt_build_args(scoring, publish_emails(), publish_contact_names(), locations.engine)
    loaded = loaded_sources(locations, as_of_end)
    remembered = score_inputs_env(locations, dbt_vars(scoring, publish_emails(), publish_contact_names()), as_of_start, as_of_end)
    release_freed_memory()  # this process's kept memory would add to dbt's while dbt runs
    with environment_of_subprocesses({**dbt_env(locations.data_dir, as_of_start, as_of_end, secret, loaded), **remembered}):
        invocation = dbt.cli(args, context=context, target_path=target)
    try:
        yield from invocation.stream()
    except BaseException:
        prune_failed_run(locations.dbt_target, target)
        raise
    keep_parse(locations.dbt_target, target)
    if locations.engine == "spark":
        expose_spark_tables(locations)


def ensure_warehouse_writable(warehouse: Path) -> None:
    """Fail with a clear message, before dbt starts, when another process holds the warehouse."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as error:
        holder = str(error).split("Conflicting lock is held in", 1)[-1].strip().rstrip(".") if "Conflicting lock" in str(error) else ""
        raise Failure(
            description=(
                f"The warehouse {warehouse} is locked by another process{f' ({holder})' if holder else ''}. "
                "DuckDB allows one writer: close that process (BI tools must read data/published/serving.duckdb, "
                "not the warehouse) and rerun; nothing was changed or published."
            ),
            allow_retries=False,
        ) from error


dbt_resource = AbmDbtCliResource(project_dir=dbt_project)
