"""The published tables in a PostgreSQL database beside the DuckDB file (ABM_PUBLISH_URL), for the BI
and reverse-ETL tools that connect over the network.

A version is built in schemas of its own (`abm_next` with the tables, `bi_next` with the stable views)
and switched by renaming schemas in one transaction: a reader sees the old version or the new, never
a half-written one, and a query already running goes on reading the tables it started on (a rename
touches the schema, not its tables). The replaced schemas are dropped once no reader holds them; a
later publish drops what this one could not.

`account_tier_history` grows by a date each night: its rows are kept in one table per as-of date
(schema `abm_history`), written only when that date's rows changed, and `abm.account_tier_history` is
a view over the current ones. Tables are written with ADBC's PostgreSQL driver (Arrow in, COPY
out), chosen by `bench/postgres.py` against psycopg's COPY.

The password comes from the environment (PGPASSWORD) or ~/.pgpass, or the URL; it is never logged or
shown: messages name the server by `describe(url)`.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

URL_ENV = "ABM_PUBLISH_URL"
READER_ROLE_ENV = "ABM_PUBLISH_READER_ROLE"
DEFAULT_READER_ROLE = "abm_reader"
TABLES, VIEWS, HISTORY_PARTS = "abm", "bi", "abm_history"
STAGED_TABLES, STAGED_VIEWS = f"{TABLES}_next", f"{VIEWS}_next"
HISTORY = "account_tier_history"
# Which table of abm_history holds each as-of date in a version (a table of the version's schema).
PARTS = "_history_parts"
# How long the publish waits for a reader before leaving an old version's schemas to the next one.
DROP_LOCK_TIMEOUT = "2s"


class PostgresPublishError(RuntimeError):
    """The PostgreSQL publish cannot run or did not switch; the message names the server and what serves."""


@dataclass
class PostgresVersion:
    """A version built in the staging schemas, not yet switched."""

    stamp: str
    row_counts: dict[str, int]
    history_dates_written: list[dt.date]


def publish_url() -> str | None:
    return os.environ.get(URL_ENV) or None


def reader_role() -> str:
    return os.environ.get(READER_ROLE_ENV) or DEFAULT_READER_ROLE


def describe(url: str) -> str:
    """The server and database of a URL, without its password."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


@contextmanager
def connection(url: str) -> Iterator:
    import adbc_driver_postgresql.dbapi as adbc

    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise PostgresPublishError(f"{URL_ENV} must be a postgresql:// URL, got one of scheme {urlsplit(url).scheme!r}")
    try:
        con = adbc.connect(_with_timeout(url))
    except Exception as error:  # the driver's own error types; its message may quote the URL
        raise PostgresPublishError(f"cannot connect to {describe(url)}: {_without_url(error, url)}") from None
    try:
        yield con
    finally:
        con.close()


def _with_timeout(url: str) -> str:
    separator = "&" if "?" in url else "?"
    return url if "connect_timeout" in url else f"{url}{separator}connect_timeout=10"


def _without_url(error: Exception, url: str) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    password = urlsplit(url).password
    return text.replace(url, describe(url)).replace(password, "***") if password else text.replace(url, describe(url))


def check_ready(url: str) -> None:
    """Before any work: the server answers, the user may create schemas, and the reader role exists or
    can be created."""
    with connection(url) as con, con.cursor() as cur:
        cur.execute(
            "select has_database_privilege(current_user, current_database(), 'CREATE'), "
            "exists (select 1 from pg_roles where rolname = $1), "
            "(select rolsuper or rolcreaterole from pg_roles where rolname = current_user)",
            parameters=(reader_role(),),
        )
        can_create, reader_exists, can_create_roles = cur.fetchone()
    if not can_create:
        raise PostgresPublishError(f"{describe(url)}: the user may not create schemas in the database (GRANT CREATE ON DATABASE)")
    if not reader_exists and not can_create_roles:
        raise PostgresPublishError(
            f"{describe(url)}: the reader role {reader_role()!r} does not exist and the user may not create it "
            f"(CREATE ROLE {reader_role()} NOLOGIN, or set {READER_ROLE_ENV})"
        )


def build(url: str, serving_file: Path, docs: dict[str, tuple[str, dict[str, str]]]) -> PostgresVersion:
    """The serving file's tables in abm_next, bi_next's views on them with their comments and the
    reader's grant, and the history dates whose rows changed in abm_history. Nothing is switched."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:4]
    with connection(url) as con, duckdb.connect(str(serving_file), read_only=True) as served:
        cur = con.cursor()
        for schema in (STAGED_TABLES, STAGED_VIEWS):
            cur.execute(f"drop schema if exists {schema} cascade")
            cur.execute(f"create schema {schema}")
        cur.execute(f"create schema if not exists {HISTORY_PARTS}")
        tables = [
            name for (name,) in served.execute("select table_name from duckdb_tables() where schema_name = 'main' order by 1").fetchall()
        ]
        counts = {table: _copy(cur, served, table, STAGED_TABLES, table) for table in tables if table != HISTORY}
        written = []
        if HISTORY in tables:
            written = _build_history(cur, served, stamp)
            counts[HISTORY] = served.execute(f"select count(*) from main.{HISTORY}").fetchone()[0]
        _document(cur, tables, docs)
        con.commit()
    return PostgresVersion(stamp, counts, written)


def _copy(cur, served: duckdb.DuckDBPyConnection, source: str, schema: str, table: str, where: str = "") -> int:
    """A table of the serving file into PostgreSQL through Arrow batches (COPY, binary)."""
    reader = served.sql(f"select * from main.{source} {where}").fetch_arrow_reader()
    return cur.adbc_ingest(table, reader, mode="create", db_schema_name=schema)


def _build_history(cur, served: duckdb.DuckDBPyConnection, stamp: str) -> list[dt.date]:
    """A table per as-of date whose rows differ from what the served version holds, and the view over
    each date's current table (with the list of them, PARTS, for the next publish to compare with)."""
    columns = [name for (name, *_) in served.execute(f"describe main.{HISTORY}").fetchall()]
    listed = ", ".join(f'"{name}"' for name in columns)
    digests = served.execute(
        f"select as_of_date, count(*) || ':' || sum(hash({listed})) from main.{HISTORY} group by 1 order by 1"
    ).fetchall()
    held = _held_parts(cur)
    parts, written = [], []
    for day, digest in digests:
        part = held.get((day, digest))
        if part is None:
            part = f"h_{day:%Y%m%d}_{stamp}"
            _copy(cur, served, HISTORY, HISTORY_PARTS, part, f"where as_of_date = '{day}'")
            # lets the planner skip the other dates' tables under a filter on the date
            cur.execute(f"alter table {HISTORY_PARTS}.{part} add check (as_of_date = date '{day}')")
            written.append(day)
        parts.append((day, part, digest))
    cur.execute(f"create table {STAGED_TABLES}.{PARTS} (as_of_date date primary key, part text not null, digest text not null)")
    for row in parts:
        cur.execute(f"insert into {STAGED_TABLES}.{PARTS} values ($1, $2, $3)", parameters=row)
    body = " union all ".join(f"select {listed} from {HISTORY_PARTS}.{part}" for _, part, _ in parts)
    cur.execute(f"create view {STAGED_TABLES}.{HISTORY} as {body or f'select * from {HISTORY_PARTS}.none where false'}")
    return written


def _held_parts(cur) -> dict[tuple[dt.date, str], str]:
    """The served version's history table of each date, by its date and digest."""
    cur.execute("select to_regclass($1) is not null", parameters=(f"{TABLES}.{PARTS}",))
    if not cur.fetchone()[0]:
        return {}
    cur.execute(f"select as_of_date, digest, part from {TABLES}.{PARTS}")
    return {(day, digest): part for day, digest, part in cur.fetchall()}


def _document(cur, tables: list[str], docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Comments from the dbt YAML on every table and column, the bi views of the documented columns
    with the same comments, and the reader role's read access to bi only, in one round trip (one
    each took seconds)."""
    role = reader_role()
    cur.execute(
        "select table_name, column_name from information_schema.columns where table_schema = $1 order by table_name, ordinal_position",
        parameters=(STAGED_TABLES,),
    )
    present: dict[str, list[str]] = {}
    for table, column in cur.fetchall():
        present.setdefault(table, []).append(column)
    exists = f"select 1 from pg_roles where rolname = {_literal(role)}"
    statements = [f"if not exists ({exists}) then create role {_ident(role)} nologin; end if"]
    for table in tables:
        statements += _documented(table, present.get(table, []), *docs.get(table, ("", {})))
    statements += [
        f"grant usage on schema {STAGED_VIEWS} to {_ident(role)}",
        f"grant select on all tables in schema {STAGED_VIEWS} to {_ident(role)}",
    ]
    # one statement: the driver prepares what it sends, and a prepared statement holds one command
    cur.execute("do $abm$ begin\n" + ";\n".join(statements) + ";\nend $abm$")


def _documented(table: str, present: list[str], description: str, columns: dict[str, str]) -> list[str]:
    """A table's bi view (its documented columns, in the YAML's order) and the comments of both."""
    listed = [name for name in columns if name in present] or present
    statements = [f"create view {STAGED_VIEWS}.{table} as select {', '.join(map(_ident, listed))} from {STAGED_TABLES}.{table}"]
    for schema, kind, shown in ((STAGED_TABLES, "view" if table == HISTORY else "table", present), (STAGED_VIEWS, "view", listed)):
        if description:
            statements.append(f"comment on {kind} {schema}.{table} is {_literal(description)}")
        for column, text in columns.items():
            if text and column in shown:
                statements.append(f"comment on column {schema}.{table}.{_ident(column)} is {_literal(text)}")
    return statements


def switch(url: str, version: PostgresVersion) -> None:
    """abm_next and bi_next become abm and bi in one transaction; the replaced schemas are renamed
    aside and dropped afterwards, when no reader holds them."""
    with connection(url) as con, con.cursor() as cur:
        cur.execute("select nspname from pg_namespace where nspname in ($1, $2)", parameters=(TABLES, VIEWS))
        served = {name for (name,) in cur.fetchall()}
        for schema in (TABLES, VIEWS):
            if schema in served:
                cur.execute(f"alter schema {schema} rename to {schema}_old_{version.stamp}")
            cur.execute(f"alter schema {schema}_next rename to {schema}")
        con.commit()
    drop_replaced(url)


def drop_replaced(url: str) -> None:
    """The schemas of replaced versions, and the history tables no version lists, dropped where no
    reader holds them any more (the next publish tries again)."""
    with connection(url) as con, con.cursor() as cur:
        cur.execute(f"set lock_timeout = '{DROP_LOCK_TIMEOUT}'")
        con.commit()
        cur.execute(
            "select nspname from pg_namespace where nspname like $1 or nspname like $2", parameters=(f"{TABLES}_old_%", f"{VIEWS}_old_%")
        )
        for (schema,) in cur.fetchall():
            _try(con, cur, f"drop schema {schema} cascade")
        cur.execute(
            f"select tablename from pg_tables where schemaname = $1 and tablename not in (select part from {TABLES}.{PARTS})",
            parameters=(HISTORY_PARTS,),
        )
        for (part,) in cur.fetchall():
            _try(con, cur, f"drop table {HISTORY_PARTS}.{part}")


def _try(con, cur, statement: str) -> None:
    try:
        cur.execute(statement)
        con.commit()
    except Exception:  # a reader still holds it (lock timeout): left for the next publish
        con.rollback()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"
