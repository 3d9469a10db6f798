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


def test_one_scan_of_a_models_required_columns_names_each_empty_one(data_dir):
    """not_null_columns replaces a not_null test per column: a row with an empty merged_account_id
    fails account_merges' check, and the failure names that column and its count, not the other."""
    import duckdb

    built = dbt(
        "build", "--empty", "--select", "+account_merges", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"
    )
    assert built.returncode == 0, built.stdout[-3000:]
    assert dbt("test", "--select", "not_null_account_merges").returncode == 0, "an empty table has no empty value"
    with duckdb.connect(str(paths().warehouse)) as con:
        con.execute("insert into account_merges (surviving_account_id, merged_account_id) values ('A', null), ('B', 'C')")
    failed = dbt("test", "--select", "not_null_account_merges", "--store-failures")
    assert failed.returncode == 1 and "Got 1 result" in failed.stdout, failed.stdout[-3000:]
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        (table,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables where table_name = 'not_null_account_merges'"
        ).fetchone()
        assert con.execute(f"select column_name, empty_rows from {table}").fetchall() == [("merged_account_id", 1)]
