"""One Dagster asset per source: land new or changed exports up to the run's as-of date as raw Parquet."""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project.ingest.loader import load_pending, partition_dir
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.partitions import TRANSIENT_FAILURE_RETRIES, as_of_range, daily_partitions
from dagster_project.quality.gx_suites import prepare_in_background
from dagster_project.quality.report import record_loads
from dagster_project.resources import DataFolder
from dagster_project.runs import ensure_free
from dagster_project.settings import mappings_file_path


def rejects_folder(locations, source: str, export_date: str) -> str:
    """Where an export's rejected rows are, as a path inside the data folder."""
    return str(partition_dir(locations.rejects, source, dt.date.fromisoformat(export_date)).relative_to(locations.data_dir)) + "/"


def raw_asset_key(source: str) -> AssetKey:
    return AssetKey(["raw", source])


def build_ingest_asset(source: str) -> AssetsDefinition:
    @asset(
        key=raw_asset_key(source),
        group_name="ingest",
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"parquet", "duckdb"},
        retry_policy=TRANSIENT_FAILURE_RETRIES,
        description=(
            f"Exports in landing/{source}/<date>/, recognised by header, parsed strictly and written "
            f"as canonical Parquet to raw/{source}/export_date=<date>/ (rejected rows to raw/_rejects/)."
        ),
    )
    def ingest(context: AssetExecutionContext, data_folder: DataFolder) -> MaterializeResult:
        _, as_of_end = as_of_range(context)
        locations = data_folder.paths
        ensure_free(locations.data_dir)
        prepare_in_background()  # for the raw suites that check what this step lands
        results, errors = load_pending(locations, source, as_of_end, mappings_file_path())
        loaded = [r for r in results if not r.skipped]
        for result in loaded:
            skipped = "; ".join(f"{f.file}: skipped {f.skipped}" for f in result.files if f.skipped)
            context.log.info(
                f"{source} {result.export_date}: {result.rows} rows, {result.rejects} rejected "
                f"({', '.join(f'{f.file} as {f.mapping}' for f in result.files)})" + (f"; {skipped}" if skipped else "")
            )
        rejected_in = [rejects_folder(locations, source, r.export_date) for r in loaded if r.rejects]
        left_out = [
            {
                "export_date": r.export_date,
                "file": f.file,
                "rows": f.rows,
                "rejects": f.rejects,
                "skipped": f.skipped,
                "rejects_in": rejects_folder(locations, source, r.export_date),
            }
            for r in loaded
            for f in r.files
            if f.rejects or f.skipped
        ]
        if left_out:
            record_loads(locations.reports, context.run.run_id, source, left_out)
        metadata = {
            "exports_loaded": len(loaded),
            "exports_unchanged": len(results) - len(loaded),
            "rows_loaded": sum(r.rows for r in loaded),
            "rows_rejected": sum(r.rejects for r in loaded),
            "rejects_in": ", ".join(rejected_in) or "none",
            "latest_export": max((r.export_date for r in results), default="none"),
        }
        if errors:
            raise Failure(
                description=f"{len(errors)} {source} export(s) rejected; nothing of them was loaded:\n" + "\n".join(errors),
                allow_retries=False,  # a bad file stays bad until someone replaces it
                metadata={**metadata, "errors": MetadataValue.md("\n".join(f"- {e}" for e in errors))},
            )
        return MaterializeResult(metadata=metadata)

    return ingest


ingest_assets = [build_ingest_asset(source) for source in SCHEMAS]
