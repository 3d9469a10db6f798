"""DuckDB for work on files (ingest, checks, publish, the generator), under the memory limit."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from dagster_project.settings import data_dir, duckdb_memory_limit

SPILL_FOLDER = ".spill"


@contextmanager
def in_memory_duckdb() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection under ABM_DUCKDB_MEMORY_LIMIT, spilling into a folder of its own in the
    data folder's .spill/, removed afterwards: by default DuckDB takes up to 80 % of the machine and
    spills into `.tmp` in the current folder (at 3 M accounts the publish step peaked at 8.0 GiB).
    A killed process leaves its folder; the next connection removes it."""
    root = data_dir() / SPILL_FOLDER
    remove_spills_of_dead_processes(root)
    spill = root / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    spill.mkdir(parents=True, mode=0o700)
    try:
        with duckdb.connect(config={"memory_limit": duckdb_memory_limit(), "temp_directory": str(spill)}) as con:
            yield con
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def remove_spills_of_dead_processes(root: Path) -> None:
    from dagster_project.runs import process_alive

    for folder in root.iterdir() if root.is_dir() else ():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
