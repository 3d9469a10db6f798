"""DuckDB for work on files (ingest, checks, publish, the generator), under the memory limit."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from dagster_project.settings import duckdb_memory_limit


@contextmanager
def in_memory_duckdb() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection under ABM_DUCKDB_MEMORY_LIMIT, spilling into a temporary folder removed
    afterwards: by default DuckDB takes up to 80 % of the machine and spills into `.tmp` in the
    current folder (at 3 M accounts the publish step peaked at 8.0 GiB)."""
    with tempfile.TemporaryDirectory(prefix="abm-duckdb-") as spill:
        with duckdb.connect(config={"memory_limit": duckdb_memory_limit(), "temp_directory": spill}) as con:
            yield con
