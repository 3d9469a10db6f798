"""Account-tiering pipeline: Dagster orchestrates ingest, dbt scoring, quality gates and publishing."""

import warnings

# Single-run backfill policies and pools are marked beta; the warning repeats per asset and says nothing new.
warnings.filterwarnings("ignore", message=".*is currently in beta.*")
