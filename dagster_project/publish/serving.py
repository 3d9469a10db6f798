"""Publish the BI-facing tables without ever locking a reader out or showing a half-built state.

DuckDB allows one writer or many readers per file, never both. So BI tools never open the
warehouse: each publish builds a new version folder (published/versions/<stamp>/ with the serving
DuckDB file, its Parquet copies and the tier report) and then switches one symlink, `current`, to it
in one atomic rename. The paths readers use never change: `serving.duckdb`, `parquet/` and
`tier_report.html` are links through `current`, so the three switch together.

DuckDB resolves links before it looks up a database already open in the process, so a new
connection to `serving.duckdb` opens the new version even while a pooled connection still holds
the old one; that connection keeps its consistent old view until it is recycled.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.faults import pause_point
from dagster_project.scratch import in_memory_duckdb
from dagster_project.settings import publish_contact_names, publish_emails

PUBLISHED_TABLES = (
    "account_tiers",
    "account_families",
    "account_tier_history",
    "account_tier_changes",
    "contact_quality",
    "tier_summary",
    "tier_metrics",
    "tier_movement_checks",
    "tier_movements",
    "tier_score_distribution",
    "tier_segments",
    "tier_2_clusters",
    "tier_performance",
    "account_crm_updates",
    "account_merges",
    "account_plays",
    "play_adherence",
    "play_performance",
)
# Built by the monthly ICP discovery, not by every run: published as the warehouse holds it, once it exists.
OPTIONAL_PUBLISHED_TABLES = ("icp_attribute_lift",)
PARTITIONED_BY_DATE = {"account_tier_history": "as_of_date"}


SERVING_STORAGE_VERSION = "v1.2.0"  # the oldest DuckDB that opens the serving file: 1.2

# What readers open, each a link through `current` into the version it points at.
STABLE_LINKS = ("serving.duckdb", "parquet", "tier_report.html")
VERSIONS = "versions"
BUILDING = ".building-"


@dataclass
class Version:
    folder: Path
    row_counts: dict[str, int]

    @property
    def serving_file(self) -> Path:
        return self.folder / "serving.duckdb"

    @property
    def report(self) -> Path:
        return self.folder / "tier_report.html"


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def build_version(warehouse: Path, published: Path, tables: tuple[str, ...] = PUBLISHED_TABLES) -> Version:
    """A complete new version folder: the serving file and the Parquet copies. Nothing is switched.

    Each night changes a few dates of the history: the dates the previous version published
    unchanged are carried over from it (its serving file copied when only new dates are added, its
    Parquet partitions linked), not written again. At 50,000 accounts after three weeks, writing
    them cost more than the rest of the publish, and the cost grew with every night."""
    versions = published / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    _remove_interrupted_builds(versions)
    stamp = _stamp()
    building = versions / f"{BUILDING}{stamp}"
    building.mkdir()
    counts: dict[str, int] = {}
    docs = published_docs()
    previous = current_version(published)
    with in_memory_duckdb() as con:
        con.execute(f"attach {_sql_path(warehouse)} as warehouse (read_only)")
        tables = (*tables, *_present(con, OPTIONAL_PUBLISHED_TABLES))
        kept = _attach_serving(con, previous, building / "serving.duckdb", tables)
        con.execute("use serving")
        _drop_all_but(con, [table for table, (_, appended) in kept.items() if appended])
        for table in tables:
            dates, appended = kept.get(table, (set(), False))
            _copy_table(con, table, dates if appended else set())
            counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
            _write_parquet(con, table, building / "parquet", previous and previous / "parquet", dates)
        _document_and_detach(con, tables, docs)
    folder = versions / stamp
    building.rename(folder)
    return Version(folder, counts)


def build_version_adding(warehouse: Path, published: Path, tables: tuple[str, ...]) -> Version | None:
    """A new version folder: the version being served with these tables taken (again) from the
    warehouse, and nothing else changed; None when nothing is served yet. What `abm icp` publishes
    its tables with: the warehouse may hold tiers a blocked run never published, which this leaves out."""
    previous = current_version(published)
    if previous is None or not (previous / "serving.duckdb").exists():
        return None
    versions = published / VERSIONS
    _remove_interrupted_builds(versions)
    building = versions / f"{BUILDING}{_stamp()}"
    building.mkdir()
    shutil.copyfile(previous / "serving.duckdb", building / "serving.duckdb")
    if (previous / "tier_report.html").exists():
        shutil.copyfile(previous / "tier_report.html", building / "tier_report.html")
    _link_tree(previous / "parquet", building / "parquet", skip={f"{table}.parquet" for table in tables} | set(tables))
    counts, docs = {}, published_docs()
    with in_memory_duckdb() as con:
        con.execute(f"attach {_sql_path(warehouse)} as warehouse (read_only)")
        con.execute(f"attach {_sql_path(building / 'serving.duckdb')} as serving")
        con.execute("use serving")
        for table in tables:
            con.execute(f"drop view if exists {BI_SCHEMA}.{table}")
            con.execute(f"drop table if exists main.{table}")
            _copy_table(con, table, set())
            counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
            _write_parquet(con, table, building / "parquet", None, set())
        _document_and_detach(con, tables, docs)
    folder = versions / building.name.removeprefix(BUILDING)
    building.rename(folder)
    return Version(folder, counts)


def _document_and_detach(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], docs: dict) -> None:
    """The tables' comments and their bi views, then the serving file and the warehouse closed."""
    # the catalog changes in one transaction: alone, each comment cost a commit of the file
    con.execute("begin")
    for table in tables:
        _comment(con, table, docs.get(table))
    _create_bi_views(con, tables, docs)
    con.execute("commit")
    con.execute("use memory")
    con.execute("detach warehouse")
    con.execute("detach serving")


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _link_tree(source: Path, target: Path, skip: set[str]) -> None:
    """The previous version's Parquet, file by file as hard links, but for the entries skipped."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir() if source.is_dir() else ():
        if entry.name in skip:
            continue
        if entry.is_dir():
            _link_tree(entry, target / entry.name, set())
        else:
            _link_file(entry, target / entry.name)


def _present(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], database: str = "warehouse") -> tuple[str, ...]:
    query = "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'"
    found = {name for (name,) in con.execute(query, [database]).fetchall()}
    return tuple(table for table in tables if table in found)


def _bi_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Every column, with HUGEINT (what DuckDB's sum of integers gives) as BIGINT: BI type mappings
    handle 128-bit integers poorly, and no count here comes near 2^63."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'warehouse' and table_name = ? order by column_index",
        [table],
    ).fetchall()
    listed = ", ".join(
        f'cast("{name}" as bigint) as "{name}"' if kind in ("HUGEINT", "UHUGEINT") else f'"{name}"' for name, kind in columns
    )
    return f"select {listed} from warehouse.main.{table}"


Kept = dict[str, tuple[set[dt.date], bool]]  # by table: the dates unchanged, and whether the new file appends to them


def _attach_serving(con: duckdb.DuckDBPyConnection, previous: Path | None, serving_file: Path, tables: tuple[str, ...]) -> Kept:
    """Attach the new serving file as `serving`: a copy of the previous version's when the warehouse
    only added dates to its history, else a new file (rows are never deleted from a copy, which would
    leave the file growing). Copied, not opened: a BI tool holding the published file, even read-write,
    cannot block the publish."""
    kept: Kept = {}
    if previous is not None and (previous / "serving.duckdb").exists():
        shutil.copyfile(previous / "serving.duckdb", serving_file)
        try:
            con.execute(f"attach {_sql_path(serving_file)} as serving")
        except duckdb.Error:  # copied while another process wrote to it: start afresh
            serving_file.unlink()
        else:
            kept = _unchanged_dates(con, tables)
            if kept and all(only_added for _, only_added in kept.values()) and _holds_only_tables_and_bi_views(con):
                return kept
            con.execute("detach serving")
            serving_file.unlink()
    # BI tools bundle DuckDB 1.x drivers, which read storage versions up to 1.2's, not 2.0's (a copy
    # keeps the version it was written in).
    con.execute(f"attach {_sql_path(serving_file)} as serving (storage_version '{SERVING_STORAGE_VERSION}')")
    return {table: (dates, False) for table, (dates, _) in kept.items()}


def _unchanged_dates(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> Kept:
    """For each table published by date that the copied serving file holds with the same columns: the
    dates whose rows are the same in the warehouse (same row count, same sum of row hashes), and
    whether that is every date it holds. Compared by content, not by the run's dates: dates a blocked
    publish left unpublished, or a backfill re-scored, are written again."""
    kept = {}
    for table in _present(con, tuple(t for t in tables if t in PARTITIONED_BY_DATE), "serving"):
        new, old = _bi_select(con, table), f"select * from serving.main.{table}"
        schema = con.execute(f"describe {old}").fetchall()
        if con.execute(f"describe {new}").fetchall() == schema:
            kept[table] = _same_dates(con, PARTITIONED_BY_DATE[table], [name for (name, *_) in schema], new, old)
    return kept


def _same_dates(con: duckdb.DuckDBPyConnection, column: str, names: list[str], new: str, old: str) -> tuple[set[dt.date], bool]:
    columns = ", ".join(f'"{name}"' for name in names if name != column)
    digest = f"select {column}, count(*) as row_count, sum(hash({columns})) as row_hashes from ({{}}) group by {column}"
    rows = con.execute(
        f"select old.{column}, new.row_count is not distinct from old.row_count and new.row_hashes is not distinct from old.row_hashes "
        f"from ({digest.format(old)}) as old left join ({digest.format(new)}) as new using ({column})"
    ).fetchall()
    same = {day for day, equal in rows if equal}
    return same, len(same) == len(rows)


def _holds_only_tables_and_bi_views(con: duckdb.DuckDBPyConnection) -> bool:
    """What a publish writes: tables in main, views in bi. A view someone added to the published file
    read-write stays out of the copy (the copy drops every table and the bi schema, nothing else)."""
    schemas = "select schema_name from duckdb_schemas() where database_name = 'serving' and not internal"
    views = "select schema_name from duckdb_views() where database_name = 'serving' and not internal"
    return {name for (name,) in con.execute(schemas).fetchall()} <= {"main", BI_SCHEMA} and all(
        name == BI_SCHEMA for (name,) in con.execute(views).fetchall()
    )


def _drop_all_but(con: duckdb.DuckDBPyConnection, kept: list[str]) -> None:
    """A serving file copied from the previous version keeps only the tables it carries over."""
    con.execute(f"drop schema if exists {BI_SCHEMA} cascade")
    for (table,) in con.execute("select table_name from duckdb_tables() where database_name = 'serving'").fetchall():
        if table not in kept:
            con.execute(f"drop table main.{table}")


def _copy_table(con: duckdb.DuckDBPyConnection, table: str, carried_over: set[dt.date]) -> None:
    """The warehouse table in the serving file; with dates carried over, only the other dates' rows."""
    if not carried_over:
        con.execute(f"create table main.{table} as {_bi_select(con, table)}")
        return
    column = PARTITIONED_BY_DATE[table]
    added = f"{_bi_select(con, table)} where {column} not in (select unnest(?::date[]))"
    con.execute(f"insert into main.{table} {added}", [sorted(carried_over)])


def published_docs() -> dict[str, tuple[str, dict[str, str]]]:
    """The dbt YAML's description of each published table and column, from the prepared manifest."""
    from dagster_project.transform.project import dbt_project

    manifest = Path(dbt_project.manifest_path)
    return _docs_of(manifest, manifest.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _docs_of(manifest_path: Path, modified_ns: int) -> dict[str, tuple[str, dict[str, str]]]:
    """Read once per manifest version: a publish reads them for the DuckDB file and for PostgreSQL."""
    manifest = json.loads(manifest_path.read_text())
    return {
        node["name"]: (node.get("description", ""), {c: v.get("description", "") for c, v in node.get("columns", {}).items()})
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in (*PUBLISHED_TABLES, *OPTIONAL_PUBLISHED_TABLES)
    }


def _comment(con: duckdb.DuckDBPyConnection, table: str, docs: tuple[str, dict[str, str]] | None) -> None:
    """The dbt documentation as table and column comments, which BI tools show beside the fields."""
    if not docs:
        return
    description, columns = docs
    if description:
        con.execute(f"comment on table main.{table} is {_sql_text(description)}")
    present = _serving_columns(con, table)
    for column, text in columns.items():
        if text and column in present:
            con.execute(f'comment on column main.{table}."{column}" is {_sql_text(text)}')


def _serving_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    query = "select column_name from duckdb_columns() where database_name = 'serving' and schema_name = 'main' and table_name = ?"
    return {name for (name,) in con.execute(query, [table]).fetchall()}


BI_SCHEMA = "bi"


def _create_bi_views(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    """One view per table in the `bi` schema with the documented columns in the YAML's order: what
    dashboards bind to, unchanged when a model reorders its columns or gains an undocumented one."""
    con.execute(f"create schema if not exists {BI_SCHEMA}")
    for table in tables:
        description, columns = docs.get(table, ("", {}))
        present = _serving_columns(con, table)
        listed = ", ".join(f'"{column}"' for column in columns if column in present) or "*"
        con.execute(f"create or replace view {BI_SCHEMA}.{table} as select {listed} from main.{table}")
        if description:
            con.execute(f"comment on view {BI_SCHEMA}.{table} is {_sql_text(description)}")
        for column, text in columns.items():
            if text and column in present:
                con.execute(f'comment on column {BI_SCHEMA}.{table}."{column}" is {_sql_text(text)}')


def _sql_text(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def _open_to_group(folder: Path, published: Path) -> None:
    """BI tools run as other users of the data folder's group; a published version holds no raw
    contact data unless names or e-mails are opted in, in which case it stays owner-only."""
    if publish_emails() or publish_contact_names():
        return
    for path in (published.parent, published, published / VERSIONS, folder):
        path.chmod(0o750)
    for path in folder.rglob("*"):
        path.chmod(0o750 if path.is_dir() else 0o640)


def switch_to(published: Path, version: Version) -> None:
    """Point `current` at the version in one rename: serving file, Parquet and report switch together."""
    _open_to_group(version.folder, published)
    pause_point("publish")
    previous = _swap_symlink(published / "current", version.folder)
    for name in STABLE_LINKS:
        _ensure_link(published / name, Path("current") / name)
    _prune_versions(published / VERSIONS, keep={version.folder, previous})


def current_version(published: Path) -> Path | None:
    link = published / "current"
    return link.resolve() if link.is_symlink() else None


def _write_parquet(
    con: duckdb.DuckDBPyConnection, table: str, version_dir: Path, previous_dir: Path | None, unchanged: set[dt.date]
) -> None:
    version_dir.mkdir(parents=True, exist_ok=True)
    if table not in PARTITIONED_BY_DATE:
        con.execute(f"copy main.{table} to {_sql_path(version_dir / (table + '.parquet'))} (format parquet)")
        return
    column, target = PARTITIONED_BY_DATE[table], version_dir / table
    previous_partitions = previous_dir / table if previous_dir else None
    linked = {day: folder for day in unchanged if previous_partitions and (folder := previous_partitions / f"{column}={day}").is_dir()}
    written = f"select * from main.{table} where {column} not in (select unnest(?::date[]))"
    con.execute(f"copy ({written}) to {_sql_path(target)} (format parquet, partition_by ({column}), overwrite_or_ignore)", [sorted(linked)])
    for folder in linked.values():
        _link_folder(folder, target / folder.name)


def _link_folder(source: Path, target: Path) -> None:
    """Hard links: the two versions share the files, and pruning one leaves the other's intact."""
    target.mkdir(parents=True)
    for file in source.iterdir():
        _link_file(file, target / file.name)


def _link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _swap_symlink(link: Path, target: Path) -> Path | None:
    """Point link at target in one rename; returns what it pointed at before."""
    previous = link.resolve() if link.is_symlink() else None
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:6]}")
    tmp.symlink_to(target.relative_to(link.parent))
    os.replace(tmp, link)
    return previous


def _ensure_link(path: Path, target: Path) -> None:
    """A stable reader path as a link; a file or folder of the layout before versions is replaced."""
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex[:6]}")
    tmp.symlink_to(target)
    os.replace(tmp, path)
    shutil.rmtree(path.parent / "parquet_versions", ignore_errors=True)  # the layout before versions


def _prune_versions(versions: Path, keep: set[Path | None]) -> None:
    """Keep the current version and the one before it (a reader may still be reading it)."""
    kept = {p.resolve() for p in keep if p is not None}
    for version in versions.iterdir():
        if version.resolve() not in kept and not version.name.startswith(BUILDING):
            shutil.rmtree(version, ignore_errors=True)


def _remove_interrupted_builds(versions: Path) -> None:
    for leftover in versions.glob(f"{BUILDING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
