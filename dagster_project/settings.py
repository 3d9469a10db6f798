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


ENGINES = ("duckdb", "spark")
DUCKDB_MEMORY_LIMIT_ENV = "ABM_DUCKDB_MEMORY_LIMIT"  # dbt's profile reads it too
DEFAULT_DUCKDB_MEMORY_LIMIT = "3GB"


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    engine: str = "duckdb"

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
        """What the checks and the publish read the built tables from: DuckDB's warehouse, or on Spark a
        DuckDB file of views over the Spark tables' Parquet (transform/spark_tables.py)."""
        return self.spark / "tables.duckdb" if self.engine == "spark" else self.data_dir / "warehouse.duckdb"

    @property
    def spark(self) -> Path:
        """A Spark build's tables (warehouse/), their column types (schemas/) and its metastore."""
        return self.data_dir / "spark"

    @property
    def published(self) -> Path:
        return self.data_dir / "published"

    @property
    def serving_db(self) -> Path:
        return self.published / "serving.duckdb"

    @property
    def alerts(self) -> Path:
        return self.data_dir / "alerts"

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
    return Paths(data_dir(), engine())


class EngineError(ValueError):
    pass


def engine() -> str:
    """The engine dbt builds on: ABM_ENGINE, duckdb (the default) or spark."""
    name = os.environ.get("ABM_ENGINE", "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise EngineError(f"ABM_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    return name


def scoring_config_path() -> Path:
    return Path(os.environ.get("ABM_SCORING_CONFIG", DEFAULT_SCORING_CONFIG)).expanduser().resolve()


def mappings_file_path() -> Path:
    return Path(os.environ.get("ABM_COLUMN_MAPPINGS", DEFAULT_MAPPINGS_FILE)).expanduser().resolve()


def partitions_start_date() -> str | None:
    """The first as-of date when set; by default the partitions start at the data folder's first export."""
    return os.environ.get("ABM_START_DATE") or None


def timezone() -> str:
    """The timezone of as-of dates and of the nightly schedule."""
    return os.environ.get("ABM_TIMEZONE", "UTC")


def duckdb_memory_limit() -> str:
    """The most memory DuckDB takes in the pipeline's processes and in dbt; beyond it sorts, joins and
    aggregations spill to disk."""
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def publish_emails() -> bool:
    """Whether contact emails are published in the clear (opt-in; hashed otherwise)."""
    return _flag("ABM_PUBLISH_EMAILS")


def publish_contact_names() -> bool:
    """Whether contacts' first and last names and titles are published (opt-in)."""
    return _flag("ABM_PUBLISH_CONTACT_NAMES")


class PiiSecretError(RuntimeError):
    """No usable key for the published e-mail hashes."""


WEAK_SECRETS = {"abm-default-salt", "changeme", "change-me", "secret", "password"}
MIN_SECRET_LENGTH = 16
# a random hex key of 16 characters has about 10 different ones; 'aaaa...' or 'abababab...' has 1 or 2
MIN_SECRET_DISTINCT_CHARACTERS = 6


def pii_secret_file(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / "secrets" / "pii_secret"


def pii_secret(folder: Path | None = None) -> str:
    """The key of the published e-mail hashes: ABM_PII_SECRET, else data/secrets/pii_secret.

    There is no default: a hash under a key everyone knows is reversed by guessing addresses."""
    value = os.environ.get("ABM_PII_SECRET") or ""
    secret_file = pii_secret_file(folder)
    if not value and secret_file.exists():
        mode = secret_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise PiiSecretError(
                f"{secret_file} can be read by other users (mode {mode:04o}): run chmod 600 {secret_file}; nothing was run"
            )
        value = secret_file.read_text().strip()
    if not value:
        raise PiiSecretError(
            "no key for the published e-mail hashes: set ABM_PII_SECRET (for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) or put it in "
            f"{secret_file} (mode 0600); nothing was run"
        )
    if value.lower() in WEAK_SECRETS or len(value) < MIN_SECRET_LENGTH:
        raise PiiSecretError(
            f"the key for the published e-mail hashes is a default or shorter than {MIN_SECRET_LENGTH} "
            "characters; set a random ABM_PII_SECRET; nothing was run"
        )
    if len(set(value)) < MIN_SECRET_DISTINCT_CHARACTERS:
        raise PiiSecretError(
            f"the key for the published e-mail hashes uses fewer than {MIN_SECRET_DISTINCT_CHARACTERS} different "
            "characters, so it is guessable; set a random ABM_PII_SECRET; nothing was run"
        )
    return value


def create_pii_secret() -> Path:
    """A random key for a data folder that has none (the demo's sample data), readable by its owner only."""
    import secrets

    target = pii_secret_file()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return target
