"""Spark's tables as DuckDB sees them: what the checks and the publish read after a Spark build.

A Spark build leaves each model as a folder of Parquet (spark/warehouse/abm.db/<model>/, the per-date
marts partitioned by as_of_date) and, for each mart, an empty Parquet file of its columns
(spark/schemas/<mart>/, written by dbt's on-run-end hook: a partitioned mart with no rows has no file
at all). One DuckDB file of views over them, spark/tables.duckdb, then stands where DuckDB's warehouse
stands: the checks and the publish read it the same way, whichever engine built the tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from dagster_project.settings import Paths

SPARK_SCHEMA = "abm"  # the schema of the spark target in dbt/profiles.yml
SPARK_URI_ENV = "ABM_SPARK_URI"


def spark_location(paths: Paths) -> Path:
    """Where the Spark build writes its tables and schema files, as dbt's `spark_location` macro says:
    ABM_SPARK_URI when set (a cluster's location, mounted where this machine reads it), else the data
    folder's spark/."""
    return Path(os.environ[SPARK_URI_ENV]) if os.environ.get(SPARK_URI_ENV) else paths.spark


def spark_table_folder(paths: Paths, table: str) -> Path:
    return spark_location(paths) / "warehouse" / f"{SPARK_SCHEMA}.db" / table


def spark_table_relation(paths: Paths, table: str) -> str:
    """A DuckDB relation over a Spark table's Parquet: its rows, or its columns when it has none."""
    folder = spark_table_folder(paths, table)
    if any(folder.rglob("*.parquet")):
        return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    return f"read_parquet('{spark_location(paths) / 'schemas' / table}/*.parquet')"


def expose_spark_tables(paths: Paths) -> list[str]:
    """Write spark/tables.duckdb with one view per built mart, replacing the previous file in one rename."""
    schemas = spark_location(paths) / "schemas"
    marts = sorted(p.name for p in schemas.iterdir() if p.is_dir()) if schemas.is_dir() else []
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    staged = paths.warehouse.with_suffix(".staged")
    staged.unlink(missing_ok=True)
    with duckdb.connect(str(staged)) as con:
        for table in marts:
            con.execute(f"create view main.{table} as select * from {spark_table_relation(paths, table)}")
    os.replace(staged, paths.warehouse)
    return marts
