"""The dbt project, with its manifest prepared ahead (`abm prepare`, or by `dagster dev`), never on import."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import yaml
from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR, scoring_config_path


def _put_dbt_on_path() -> None:
    # dbt is installed beside this interpreter; dagster-dbt looks for it on PATH.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _parse_vars() -> str:
    # Parsing needs the rules' shape, not a valid run: today's date and the file as it is.
    today = dt.date.today().isoformat()
    scoring = yaml.safe_load(scoring_config_path().read_text())
    return json.dumps({"as_of_start": today, "as_of_end": today, "scoring": scoring})


_put_dbt_on_path()
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    prepare_project_cli_args=["parse", "--quiet", "--vars", _parse_vars()],
)
dbt_project.prepare_if_dev()
