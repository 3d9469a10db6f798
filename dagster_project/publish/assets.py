"""The publish asset: runs only after every blocking check of the run has passed."""


from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from dagster_project.partitions import daily_partitions
from dagster_project.publish.serving import PUBLISHED_TABLES, publish
from dagster_project.settings import paths


@asset(
    key=AssetKey(["published_tiers"]),
    group_name="publish",
    deps=[AssetKey([table]) for table in PUBLISHED_TABLES],
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description=(
        "The BI-facing tables, copied from the warehouse into a fresh serving DuckDB file that is "
        "renamed over published/serving.duckdb, and as Parquet under published/parquet/."
    ),
)
def published_tiers(context: AssetExecutionContext) -> MaterializeResult:
    locations = paths()
    result = publish(locations.warehouse, locations.published)
    context.log.info(f"Published {result.row_counts} to {result.serving_file}")
    return MaterializeResult(
        metadata={
            "serving_file": MetadataValue.path(str(result.serving_file)),
            "parquet_dir": MetadataValue.path(str(result.parquet_dir)),
            **{f"rows_{table}": count for table, count in result.row_counts.items()},
        }
    )
