"""Account-tiering pipeline: Dagster orchestrates ingest, dbt scoring, quality gates and publishing."""

import os
import warnings

# What the pipeline writes holds raw contact data (landing copies, raw Parquet, rejects, the warehouse):
# readable by its owner only. The published versions are opened to the group (publish/serving.py).
os.umask(0o077)

# Single-run backfill policies and pools are marked beta; the warning repeats per asset and says nothing new.
warnings.filterwarnings("ignore", message=".*is currently in beta.*")
