"""The dbt unit tests (every scoring rule) run here, since the nightly build leaves them out."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

import yaml

from dagster_project.settings import DBT_PROJECT_DIR, DEFAULT_SCORING_CONFIG, paths
from dagster_project.transform.dbt_args import as_of_env, dbt_vars
from dagster_project.transform.scoring_config import load_scoring_config
from tests.dbt_helpers import DBT


def dbt(*args: str) -> subprocess.CompletedProcess:
    variables = dbt_vars(load_scoring_config(DEFAULT_SCORING_CONFIG))
    # its own artifacts, never dbt/target/manifest.json, which the definitions of other tests read
    target = paths().data_dir / "dbt_target" / "unit_tests"
    return subprocess.run(
        [DBT, *args, "--vars", json.dumps(variables), "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        + ["--target-path", str(target)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **as_of_env(dt.date(2026, 1, 29), dt.date(2026, 1, 29))},
    )


def test_every_dbt_unit_test_passes(data_dir):
    # Unit tests need their inputs' columns: build empty relations first (no raw data needed). The
    # what-if comparisons read a table `abm whatif` copies in, which only a what-if has.
    built = dbt("build", "--empty", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test", "--exclude", "tag:whatif")
    assert built.returncode == 0, built.stdout[-3000:]
    result = dbt("test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-5000:]
    assert f" {declared_unit_tests()} unit tests in " in result.stdout and "ERROR=0" in result.stdout, result.stdout[-2000:]


def declared_unit_tests() -> int:
    """Every `unit_tests:` entry of the models' YAML, so a test that dbt silently skips fails here."""
    files = (DBT_PROJECT_DIR / "models").rglob("*.yml")
    return sum(len(yaml.safe_load(path.read_text()).get("unit_tests") or []) for path in files)
