"""Run the real dbt project (a subprocess, as Dagster runs it) for tests over many as-of dates."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, DEFAULT_SCORING_CONFIG, paths, pii_secret
from dagster_project.transform.dbt_args import as_of_env, dbt_build_args, dbt_vars, secret_env
from dagster_project.transform.score_inputs import score_inputs_env
from dagster_project.transform.scoring_config import load_scoring_config

DBT = str(Path(sys.executable).with_name("dbt"))


def run_dbt(
    start: dt.date, end: dt.date, select: str = "+account_tier_history +account_tier_changes", scoring=None, remember: bool = True
) -> None:
    """As a nightly run calls dbt; with remember=False, without the fingerprints, so every day of the series is scored."""
    rules = scoring or load_scoring_config(DEFAULT_SCORING_CONFIG)
    remembered = score_inputs_env(paths(), dbt_vars(rules), start, end) if remember else {}
    command = [
        DBT,
        *dbt_build_args(rules),
        "--select",
        select,
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        # the test's own artifacts: dbt/target/manifest.json is what the definitions load, and a test
        # on the other worker must never read it half-written
        "--target-path",
        str(paths().data_dir / "dbt_target" / "tests"),
    ]
    env = {**os.environ, **as_of_env(start, end), **secret_env(pii_secret()), **remembered}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
