"""dbt's `raw` source, generated from the raw contract (schemas.py) so the layout is spelled once.

`abm prepare` writes dbt/models/staging/__sources.yml; a test fails when the file and the contract drift.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dagster_project.ingest.schemas import SCHEMAS, Column
from dagster_project.settings import DBT_PROJECT_DIR

SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "__sources.yml"
SQL_TYPES = {"text": "varchar", "id": "varchar", "integer": "bigint", "number": "double", "date": "date", "boolean": "boolean"}
HEADER = "# Generated from dagster_project/ingest/schemas.py by `abm prepare`: edit the contract there, not here.\n"
DESCRIPTION = (
    "The canonical raw layer written by the Dagster ingest assets: Parquet, one folder per source and "
    "export date (raw/<source>/export_date=<date>/), every row tagged with its export date, source file "
    "and row number. dbt reads it in place; a run as of date D only reads exports dated D or earlier."
)
LOCATION = (
    "read_parquet('{{ env_var('ABM_DATA_DIR', '../data') }}/raw/{name}/*/*.parquet', union_by_name = true, hive_partitioning = false)"
)


def _column(column: Column) -> dict:
    entry = {"name": column.name, "data_type": SQL_TYPES[column.type]}
    return entry | ({"description": column.description} if column.description else {})


def dbt_sources() -> dict:
    tables = [
        {
            "name": schema.name,
            "description": schema.description,
            "meta": {"dagster": {"asset_key": ["raw", schema.name]}},
            "columns": [_column(c) for c in schema.output_columns],
        }
        for schema in SCHEMAS.values()
    ]
    source = {"name": "raw", "description": DESCRIPTION, "meta": {"external_location": LOCATION}, "tables": tables}
    return {"version": 2, "sources": [source]}


def render() -> str:
    return HEADER + yaml.safe_dump(dbt_sources(), sort_keys=False, width=120, allow_unicode=True)


def write(path: Path = SOURCES_FILE) -> bool:
    """Write the generated file; True when it changed."""
    text = render()
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True
