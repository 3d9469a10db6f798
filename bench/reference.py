"""The reference the pipeline is measured against: the same ingest and scoring, no orchestration.

    python bench/reference.py --prepare YYYY-MM-DD   # once, untimed: compile the scoring SQL
    python bench/reference.py YYYY-MM-DD             # timed: lean load + the scoring script

The lean load reads each landing file once with DuckDB's readers into the raw Parquet layout,
casting in the conventions the pipeline infers, without its reject reasons, contract checks,
atomic swaps or manifests. The
scoring is the SQL dbt compiles from the project, run as one script on one DuckDB connection:
no Dagster, no dbt start-up or parsing, no Great Expectations, no publish.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dagster_project.ingest.loader import (  # noqa: E402
    export_dates,
    export_files,
    normalised_domain,
    parse_expression,
    partition_dir,
    plan_file,
)
from dagster_project.ingest.mappings import mappings_for  # noqa: E402
from dagster_project.ingest.parsing import install_macros  # noqa: E402
from dagster_project.ingest.reading import open_source  # noqa: E402
from dagster_project.ingest.schemas import SCHEMAS  # noqa: E402
from dagster_project.settings import (  # noqa: E402
    DBT_PROJECT_DIR,
    DEFAULT_SCORING_CONFIG,
    paths,
    pii_secret,  # noqa: E402
)
from dagster_project.transform.dbt_args import as_of_env, dbt_vars, secret_env  # noqa: E402
from dagster_project.transform.dbt_secrets import Plugin  # noqa: E402
from dagster_project.transform.scoring_config import load_scoring_config  # noqa: E402


def lean_load(day: dt.date) -> None:
    """Every export up to the day, read once and written as raw Parquet with plain casts."""
    con = duckdb.connect()
    install_macros(con)
    mappings = mappings_for(None)
    for source, schema in SCHEMAS.items():
        for export_date in export_dates(paths(), source, day):
            target = partition_dir(paths().raw, source, export_date)
            target.mkdir(parents=True, exist_ok=True)
            for index, path in enumerate(export_files(paths().landing / source / export_date.isoformat())):
                # The same readers and the same number and date conventions as the pipeline decides.
                plan = plan_file(con, schema, mappings[source], open_source(con, path, target.parent), export_date)
                select = []
                for column in schema.columns:
                    value = parse_expression(column, plan, plan.raw_text[column.name])
                    if column.name == "domain":
                        value = normalised_domain(value, column.name)
                    select.append(f"{value} as {column.name}")
                if schema.domain_from and schema.domain_from != "domain":
                    select.append(f"{normalised_domain(schema.domain_from, schema.domain_from)} as domain")
                con.execute(
                    f"""copy (select *, '{source}' as _source, date '{export_date}' as _export_date,
                                     '{path.name}' as _source_file, 0 as _row_number
                              from (select {", ".join(select)} from source_file))
                        to '{target / f"{index:03d}.parquet"}' (format parquet)"""
                )


def scoring_script_path() -> Path:
    return paths().data_dir / "reference_scoring.sql"


def prepare(day: dt.date) -> None:
    """Compile the dbt project for the day into one SQL script (untimed)."""
    lean_load(day)
    target = paths().dbt_target
    variables = dbt_vars(load_scoring_config(DEFAULT_SCORING_CONFIG))
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--vars",
            json.dumps(variables),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
            # what the nightly run builds: not ICP discovery (monthly) nor the what-if comparisons
            "tag:discovery",
            "tag:whatif",
            "--quiet",
        ],
        check=True,
        env={**os.environ, **as_of_env(day, day)},
        cwd=DBT_PROJECT_DIR,
    )
    manifest = json.loads((target / "manifest.json").read_text())
    # the models compiled: the excluded ones are in the manifest too, without compiled code
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model" and "compiled_code" in v}
    statements, done = [], set()

    def emit(key: str) -> None:
        if key in done or key not in nodes:
            return
        for parent in nodes[key]["depends_on"]["nodes"]:
            emit(parent)
        node = nodes[key]
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        statements.append(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as (\n{node["compiled_code"]}\n);')
        done.add(key)

    for key in sorted(nodes):
        emit(key)
    seeds = DBT_PROJECT_DIR / "seeds"
    preamble = [
        "create schema if not exists main_sales;",
        f"create or replace table main_sales.tier_overrides as select cast(account_id as varchar) as account_id, tier, reason, owner, "
        f"cast(expires_on as date) as expires_on from read_csv('{seeds / 'tier_overrides.csv'}', all_varchar = true);",
        "create schema if not exists main_reference;",
        "create or replace table main_reference.country_spellings as "
        f"select * from read_csv('{seeds / 'country_spellings.csv'}', all_varchar = true);",
    ]
    scoring_script_path().write_text("\n".join(preamble + statements))
    shutil.rmtree(paths().raw)
    shutil.rmtree(target)


def run(day: dt.date) -> None:
    lean_load(day)
    with duckdb.connect(str(paths().warehouse)) as con:
        os.environ.update(secret_env(pii_secret()))
        Plugin._set_key(con)  # the e-mail hashes' key, as dbt's plugin sets it
        con.execute(scoring_script_path().read_text())
        (accounts,) = con.execute("select count(*) from account_tiers").fetchone()
    print(f"reference scored {accounts} accounts as of {day}")


if __name__ == "__main__":
    if sys.argv[1] == "--prepare":
        prepare(dt.date.fromisoformat(sys.argv[2]))
    else:
        run(dt.date.fromisoformat(sys.argv[1]))
