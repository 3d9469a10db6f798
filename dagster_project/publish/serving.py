"""Publish the BI-facing tables without ever locking a reader out or showing a half-built state.

DuckDB allows one writer or many readers per file, never both. So BI tools never open the
warehouse: they read a separate serving file that the pipeline builds fresh under a temporary name
and renames over the old one in one atomic step. A reader that opened the old file keeps its
consistent view (the old inode) until it reconnects; a new connection sees the new tables. The
Parquet copies are written to a new version folder and a `current` symlink is swapped to it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.faults import pause_point

PUBLISHED_TABLES = (
    "account_tiers",
    "account_tier_history",
    "account_tier_changes",
    "contact_quality",
    "tier_summary",
    "tier_performance",
    "account_merges",
)
PARTITIONED_BY_DATE = {"account_tier_history": "as_of_date"}


@dataclass
class PublishResult:
    serving_file: Path
    parquet_dir: Path
    row_counts: dict[str, int]


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish(warehouse: Path, published: Path, tables: tuple[str, ...] = PUBLISHED_TABLES) -> PublishResult:
    published.mkdir(parents=True, exist_ok=True)
    _remove_leftovers_of_interrupted_publishes(published)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    new_file = published / f".serving-{stamp}.duckdb"
    version_dir = published / "parquet_versions" / stamp
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect(str(new_file))
        con.execute(f"attach {_sql_path(warehouse)} as warehouse (read_only)")
        for table in tables:
            con.execute(f"create table main.{table} as select * from warehouse.main.{table}")
            counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
            _write_parquet(con, table, version_dir)
        con.execute("detach warehouse")
        con.execute("checkpoint")
        con.close()
        pause_point("publish")
        os.replace(new_file, published / "serving.duckdb")
        previous = _swap_symlink(published / "parquet", version_dir)
        _prune_versions(version_dir.parent, keep={version_dir, previous})
    finally:
        new_file.unlink(missing_ok=True)
        Path(str(new_file) + ".wal").unlink(missing_ok=True)
    return PublishResult(published / "serving.duckdb", published / "parquet", counts)


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, version_dir: Path) -> None:
    version_dir.mkdir(parents=True, exist_ok=True)
    if table in PARTITIONED_BY_DATE:
        target = version_dir / table
        con.execute(
            f"copy main.{table} to {_sql_path(target)} "
            f"(format parquet, partition_by ({PARTITIONED_BY_DATE[table]}), overwrite_or_ignore)"
        )
    else:
        con.execute(f"copy main.{table} to {_sql_path(version_dir / (table + '.parquet'))} (format parquet)")


def _swap_symlink(link: Path, target: Path) -> Path | None:
    """Point link at target in one rename; returns what it pointed at before."""
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:6]}")
    tmp.symlink_to(target.relative_to(link.parent))
    os.replace(tmp, link)
    return previous


def _prune_versions(versions: Path, keep: set[Path | None]) -> None:
    """Keep the current Parquet version and the one before it (a reader may still be reading it)."""
    kept = {p.resolve() for p in keep if p is not None}
    for version in versions.iterdir():
        if version.resolve() not in kept:
            shutil.rmtree(version, ignore_errors=True)


def _remove_leftovers_of_interrupted_publishes(published: Path) -> None:
    for leftover in published.glob(".serving-*.duckdb*"):
        leftover.unlink(missing_ok=True)
