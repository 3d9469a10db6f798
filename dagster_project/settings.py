"""Where everything lives. One variable, ABM_DATA_DIR, holds landing/, raw/, the warehouse and what is published."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEFAULT_SCORING_CONFIG = REPO_ROOT / "config" / "scoring.yml"
DEFAULT_MAPPINGS_FILE = REPO_ROOT / "config" / "column_mappings.yml"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def raw(self) -> Path:
        return self.data_dir / "raw"

    @property
    def rejects(self) -> Path:
        return self.data_dir / "raw" / "_rejects"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data_dir / "published"

    @property
    def serving_db(self) -> Path:
        return self.published / "serving.duckdb"

    @property
    def reports(self) -> Path:
        return self.data_dir / "reports"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts of recent runs, and the parse the next run starts from."""
        return self.data_dir / "dbt_target"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"


def data_dir() -> Path:
    return Path(os.environ.get("ABM_DATA_DIR", REPO_ROOT / "data")).expanduser().resolve()


def paths() -> Paths:
    return Paths(data_dir())


def scoring_config_path() -> Path:
    return Path(os.environ.get("ABM_SCORING_CONFIG", DEFAULT_SCORING_CONFIG)).expanduser().resolve()


def mappings_file_path() -> Path:
    return Path(os.environ.get("ABM_COLUMN_MAPPINGS", DEFAULT_MAPPINGS_FILE)).expanduser().resolve()


def partitions_start_date() -> str:
    return os.environ.get("ABM_START_DATE", "2025-01-01")


def timezone() -> str:
    """The timezone of as-of dates and of the nightly schedule."""
    return os.environ.get("ABM_TIMEZONE", "UTC")


def publish_emails() -> bool:
    """Whether contact emails are published in the clear (opt-in; hashed otherwise)."""
    return os.environ.get("ABM_PUBLISH_EMAILS", "").lower() in ("1", "true", "yes")
