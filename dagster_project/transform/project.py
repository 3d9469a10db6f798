"""The dbt project, with its manifest prepared ahead (`abm prepare`, or by `dagster dev`), never on import."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, publish_contact_names, publish_emails, scoring_config_path
from dagster_project.transform.dbt_args import dbt_vars
from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config


def _put_dbt_on_path() -> None:
    # dbt is installed beside this interpreter; dagster-dbt looks for it on PATH.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _parse_vars() -> str:
    """The same vars a run passes (the validated rules, emails opt-in), so runs can reuse this parse.

    Invalid rules must not stop the definitions from loading: the UI then shows the run's failure,
    which names the key."""
    try:
        scoring = load_scoring_config(scoring_config_path())
    except ScoringConfigError:
        scoring = None
    return json.dumps(dbt_vars(scoring, publish_emails(), publish_contact_names()), sort_keys=True)


_put_dbt_on_path()
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    prepare_project_cli_args=["parse", "--quiet", "--vars", _parse_vars()],
)
dbt_project.prepare_if_dev()
