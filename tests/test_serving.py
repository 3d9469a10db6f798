"""BI readers during a refresh: never refused, never a mix of old and new tiers; the report renders offline."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from dagster_project.cli import run_job
from dagster_project.publish.serving import PUBLISHED_TABLES, build_version, published_docs, switch_to
from dagster_project.settings import paths
from tests.conftest import PREVIOUS_DAY, SAMPLE_END, wait_for

# A BI tool over SQLAlchemy, in its own process: either one long-lived read-only connection
# ("held"), or a connection opened and closed for every query ("fresh").
READER = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool
    import os
    url, out, stop_file, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    engine = create_engine(url, connect_args={"read_only": True}, poolclass=NullPool)
    query = text("select cast(max(as_of_date) as varchar), count(*), "
                 "(select cast(max(as_of_date) as varchar) from account_tier_history), "
                 "(select count(*) from account_tier_history where as_of_date = (select max(as_of_date) from account_tiers)) "
                 "from account_tiers")
    held = engine.connect() if mode == "held" else None
    results, errors, deadline = [], [], time.time() + 600
    while time.time() < deadline and not os.path.exists(stop_file):
        try:
            if held is not None:
                row = held.execute(query).one()
            else:
                with engine.connect() as connection:
                    row = connection.execute(query).one()
            results.append([mode, *map(str, row)])
            with open(out + ".seen", "a") as seen:  # what the test waits on
                seen.write(str(row[0]) + "\\n")
        except Exception as error:
            errors.append(f"{mode}: {error}")
        time.sleep(0.02)
    json.dump({"results": results, "errors": errors}, open(out, "w"))
    """
)


def seen_dates(out) -> set[str]:
    """The dates a reader process has read so far (it appends each to <out>.seen)."""
    seen = out.with_name(out.name + ".seen")
    return set(seen.read_text().split()) if seen.exists() else set()


@pytest.mark.slow
def test_readers_see_old_or_new_tiers_never_a_mix_and_are_never_refused(published_yesterday, tmp_path):
    serving = paths().serving_db
    script = tmp_path / "reader.py"
    script.write_text(READER)
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen([sys.executable, str(script), f"duckdb:///{serving}", str(tmp_path / f"{mode}.json"), str(stop), mode])
        for mode in ("held", "fresh")
    }
    for mode in readers:
        wait_for(lambda mode=mode: seen_dates(tmp_path / f"{mode}.json"), f"the {mode} reader's first read")
    assert run_job(SAMPLE_END).success
    wait_for(lambda: str(SAMPLE_END) in seen_dates(tmp_path / "fresh.json"), "the fresh reader to read the new version")
    stop.touch()
    reads = {"results": [], "errors": []}
    for mode, reader in readers.items():
        assert reader.wait(timeout=120) == 0
        for key, values in json.loads((tmp_path / f"{mode}.json").read_text()).items():
            reads[key] += values

    assert reads["errors"] == []
    seen = {(kind, tiers_date) for kind, tiers_date, *_ in reads["results"]}
    assert {("held", str(PREVIOUS_DAY)), ("fresh", str(PREVIOUS_DAY)), ("fresh", str(SAMPLE_END))} <= seen
    assert ("held", str(SAMPLE_END)) not in seen, "a held connection keeps its view until it reconnects"
    for kind, tiers_date, tiers, history_date, history_rows in reads["results"]:
        assert tiers_date == history_date and tiers == history_rows, (kind, tiers_date, history_date)


# A BI tool's connection pool in one process: connections stay open and are recycled after
# `pool_recycle` seconds, while another connection of the same process stays open throughout.
POOLED_READER = textwrap.dedent(
    """
    import json, os, sys, time
    from sqlalchemy import create_engine, text
    url, out, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
    engine = create_engine(url, connect_args={"read_only": True}, pool_size=2, pool_recycle=1)
    query = text("select cast(max(as_of_date) as varchar) from account_tiers")
    held = create_engine(url, connect_args={"read_only": True}).connect()
    results = []
    while not os.path.exists(stop_file):
        with engine.connect() as connection:
            results.append(["pooled", time.time(), connection.execute(query).scalar()])
        results.append(["held", time.time(), held.execute(query).scalar()])
        with open(out + ".seen", "a") as seen, open(out + ".times", "a") as times:  # what the test waits on
            seen.write(str(results[-2][2]) + "\\n")
            times.write(json.dumps(results[-2]) + "\\n")
        time.sleep(0.05)
    json.dump(results, open(out, "w"))
    """
)


def read_so_far(out) -> list[tuple[str, float, str]]:
    """The pooled reader's reads so far, as (kind, time, date) from its progress file."""
    seen = out.with_name(out.name + ".times")
    return [tuple(json.loads(line)) for line in seen.read_text().splitlines()] if seen.exists() else []


@pytest.mark.slow
def test_a_pooled_reader_sees_each_refresh_within_its_recycle_time(published_yesterday, tmp_path):
    script, out, stop = tmp_path / "pooled.py", tmp_path / "pooled.json", tmp_path / "stop"
    script.write_text(POOLED_READER)
    reader = subprocess.Popen([sys.executable, str(script), f"duckdb:///{paths().serving_db}", str(out), str(stop)])
    wait_for(lambda: seen_dates(out), "the pooled reader's first read")
    assert run_job(SAMPLE_END).success
    published_at = time.time()
    # the pool recycles its connections after a second: within a few, every read is of the new version
    wait_for(lambda: any(kind == "pooled" and at > published_at + 2 for kind, at, _ in read_so_far(out)), "reads after the recycle")
    stop.touch()
    assert reader.wait(timeout=120) == 0
    results = json.loads(out.read_text())
    pooled_after = [day for kind, at, day in results if kind == "pooled" and at > published_at + 2]
    assert pooled_after and set(pooled_after) == {str(SAMPLE_END)}, "the pool reconnects to the new version"
    assert {day for kind, _, day in results if kind == "held"} == {str(PREVIOUS_DAY)}, "a held connection keeps its view"


def run_with_packages_aside(tmp_path, requirements: list[str], script: str, *args) -> str:
    """Run `script` in an isolated interpreter that sees only `requirements`, installed aside (a BI tool's own libraries)."""
    target = tmp_path / "aside"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), *requirements],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r})\n{script}", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def oldest_duckdb_reads(serving_file, tmp_path) -> list[tuple[str, str]]:
    """Open the serving file with DuckDB 1.2.2, the oldest reader the README names."""
    script = (
        "import duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute('select max(as_of_date) from bi.account_tiers').fetchone()[0])"
    )
    return [tuple(run_with_packages_aside(tmp_path, ["duckdb==1.2.2"], script, serving_file).split())]


# What the README promises a SQLAlchemy 2.1 client: queries and the list of tables work.
SQLALCHEMY_21_CLIENT = textwrap.dedent(
    """
    import sqlalchemy
    from sqlalchemy import create_engine, inspect, text
    engine = create_engine(f"duckdb:///{sys.argv[1]}", connect_args={"read_only": True})
    with engine.connect() as con:
        tiers = con.execute(text("select count(distinct tier) from account_tiers")).scalar()
    tables = inspect(engine).get_table_names()
    print(sqlalchemy.__version__[:3], tiers, "account_tiers" in tables, "account_tier_history" in tables)
    """
)


def test_a_sqlalchemy_2_1_client_queries_the_serving_file(sample_published_yesterday, tmp_path):
    requirements = ["SQLAlchemy>=2.1,<2.2", "duckdb-engine==0.17.0", f"duckdb=={duckdb.__version__}"]
    printed = run_with_packages_aside(
        tmp_path, requirements, SQLALCHEMY_21_CLIENT, (sample_published_yesterday / "published" / "serving.duckdb").resolve()
    )
    assert printed.split() == ["2.1", "4", "True", "True"]


def test_the_parquet_copies_are_swapped_in_whole(published_yesterday, tmp_path):
    current = (paths().published / "parquet").resolve()
    assert run_job(SAMPLE_END).success
    assert (paths().published / "parquet").resolve() != current
    tiers = paths().published / "parquet" / "account_tiers.parquet"
    history = paths().published / "parquet" / "account_tier_history"
    with duckdb.connect() as con:
        assert con.execute(f"select max(as_of_date) from '{tiers}'").fetchone()[0] == SAMPLE_END
    assert {p.name for p in history.iterdir()} == {f"as_of_date={PREVIOUS_DAY}", f"as_of_date={SAMPLE_END}"}
    # the day before was published unchanged: its partition is the previous version's file, linked
    (yesterday,) = (history / f"as_of_date={PREVIOUS_DAY}").iterdir()
    assert yesterday.samefile(current / "account_tier_history" / f"as_of_date={PREVIOUS_DAY}" / yesterday.name)

    # BI tools' DuckDB 1.x drivers read storage versions 64 to 68 (1.2 writes 65); no 128-bit integers;
    # the dbt YAML's descriptions come along as comments.
    import struct

    header = paths().serving_db.read_bytes()[:20]
    assert header[8:12] == b"DUCK" and 64 <= struct.unpack("<Q", header[12:20])[0] <= 68
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        assert not con.execute("select table_name, column_name from duckdb_columns() where data_type like '%HUGEINT'").fetchall()
        (table_comment,) = con.execute("select comment from duckdb_tables() where table_name = 'account_tiers'").fetchone()
        comments = dict(con.execute("select column_name, comment from duckdb_columns() where table_name = 'account_tiers'").fetchall())
    assert table_comment and comments["tier"] and comments["total_score"]
    assert sum(1 for text in comments.values() if text) == len(comments)  # every published column is documented
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        views = con.execute(
            "select table_name, list(column_name order by column_index) from duckdb_columns() where schema_name = 'bi' group by all"
        ).fetchall()
        undocumented = con.execute("select table_name, column_name from duckdb_columns() where schema_name = 'bi' and comment is null")
        assert not undocumented.fetchall(), "every column of a bi view carries its description"
    # icp_attribute_lift is published only once ICP discovery has run (not in this data folder)
    documented = {table: list(columns) for table, (_, columns) in published_docs().items() if table in PUBLISHED_TABLES}
    assert dict(views) == documented, "the bi views list the documented columns in the YAML's order"

    assert oldest_duckdb_reads(paths().serving_db.resolve(), tmp_path) == [("1.2.2", SAMPLE_END.isoformat())]

    # What holds raw contact data is the owner's alone; the published version is open to the group.
    def mode(path):
        return path.stat().st_mode & 0o777

    raw_file = next((paths().raw / "crm_contacts").rglob("*.parquet"))
    assert (mode(raw_file), mode(raw_file.parent), mode(paths().warehouse)) == (0o600, 0o700, 0o600)
    assert (mode(paths().serving_db.resolve()), mode(tiers.resolve()), mode(paths().serving_db.resolve().parent)) == (0o640, 0o640, 0o750)


HISTORY = "account_tier_history"


def _warehouse_history(warehouse, rows: str, extra_column: str = "") -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create or replace table {HISTORY} as select *{extra_column} from (values {rows}) as t(as_of_date, account_id, tier)")


def _published_history(version) -> tuple[list, list]:
    with duckdb.connect(str(version.serving_file), read_only=True) as con:
        served = con.execute(f"select * from {HISTORY} order by all").fetchall()
        files = version.folder / "parquet" / HISTORY / "*" / "*.parquet"
        columns = ", ".join(name for name, *_ in con.execute(f"describe {HISTORY}").fetchall())
        copied = con.execute(f"select {columns} from read_parquet('{files}', hive_partitioning = true) order by all").fetchall()
    return served, copied


def _tables_and_views(version) -> list[tuple[str, str]]:
    """What the serving file holds besides the bi views of the published tables."""
    with duckdb.connect(str(version.serving_file), read_only=True) as con:
        return con.execute(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal and schema_name <> 'bi' order by all"
        ).fetchall()


def _partition_file(version, day: str):
    (file,) = (version.folder / "parquet" / HISTORY / f"as_of_date={day}").iterdir()
    return file


def test_a_publish_writes_only_the_history_dates_that_changed_and_publishes_exactly_the_warehouse(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published"

    def publish():
        version = build_version(warehouse, published, tables=(HISTORY,))
        switch_to(published, version)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            expected = con.execute(f"select * from {HISTORY} order by all").fetchall()
        assert _published_history(version) == (expected, expected)
        return version

    day_1, day_2, day_3 = "DATE '2026-03-01'", "DATE '2026-03-02'", "DATE '2026-03-03'"
    _warehouse_history(warehouse, f"({day_1}, 'a', 'tier_1'), ({day_1}, 'b', 'tier_2'), ({day_2}, 'a', 'tier_1')")
    first = publish()

    # A nightly run adds a date: the serving file starts as a copy of the previous one, and the
    # unchanged dates' Parquet files are the previous version's, linked; a BI tool that opened the
    # published file read-write (DuckDB's default) does not stand in the way.
    _warehouse_history(warehouse, f"({day_1}, 'a', 'tier_1'), ({day_1}, 'b', 'tier_2'), ({day_2}, 'a', 'tier_1'), ({day_3}, 'a', 'tier_2')")
    hold = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); c.execute('create table scratch as select 1'); "
        "print('open', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold, str(first.serving_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        second = publish()
    finally:
        holder.kill()
    assert _partition_file(second, "2026-03-01").samefile(_partition_file(first, "2026-03-01"))
    assert _partition_file(second, "2026-03-02").samefile(_partition_file(first, "2026-03-02"))
    assert _tables_and_views(second) == [("main", HISTORY)], "what was added to the published file stays out"

    # (publishing keeps the current version and the one before it)
    # A date published before changed (a re-scored backfill, or a run whose publish was blocked):
    # that date is written again, the others still linked.
    _warehouse_history(warehouse, f"({day_1}, 'a', 'tier_1'), ({day_1}, 'b', 'tier_2'), ({day_2}, 'a', 'tier_3'), ({day_3}, 'a', 'tier_2')")
    third = publish()
    assert not _partition_file(third, "2026-03-02").samefile(_partition_file(second, "2026-03-02"))
    assert _partition_file(third, "2026-03-01").samefile(_partition_file(second, "2026-03-01"))

    # A row gone from a date with the same count of rows elsewhere, and a new column: all written again.
    _warehouse_history(warehouse, f"({day_1}, 'a', 'tier_1'), ({day_2}, 'a', 'tier_3'), ({day_3}, 'a', 'tier_2')", ", 1 as contacts")
    fourth = publish()
    assert not _partition_file(fourth, "2026-03-01").samefile(_partition_file(third, "2026-03-01"))
    assert not _partition_file(fourth, "2026-03-03").samefile(_partition_file(third, "2026-03-03"))

    # A view someone added to the published file: the next version starts afresh without it.
    with duckdb.connect(str(fourth.serving_file)) as con:
        con.execute("create schema mine")
        con.execute(f"create view mine.latest as select * from {HISTORY}")
    fifth = publish()
    assert _tables_and_views(fifth) == [("main", HISTORY)]
    assert _partition_file(fifth, "2026-03-01").samefile(_partition_file(fourth, "2026-03-01"))

    # A published file that is no DuckDB file any more (copied mid-write): the next version starts afresh.
    fifth.serving_file.write_bytes(b"torn")
    publish()


@pytest.mark.skipif(
    not any((p / "chromium").exists() for p in map(__import__("pathlib").Path, ["/usr/bin"])),
    reason="Debian's chromium is installed by .ci/run",
)
def test_tier_report_renders_its_charts_in_headless_chromium_offline(landed, tmp_path):
    assert run_job(SAMPLE_END - dt.timedelta(days=4), SAMPLE_END).success  # a backfill: a few days of history
    report = paths().published / "tier_report.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
    ]
    shot = tmp_path / "report.png"
    subprocess.run(
        ["/usr/bin/chromium", *flags, f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000
    dom = subprocess.run(
        ["/usr/bin/chromium", *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert dom.count("<svg") >= 3
    assert dom.count("<polyline") >= 3 and "<rect" in dom
    assert "Tier 1 accounts" in dom and "Data quality" in dom
    # for RevOps: tiers by their motion, owner (by name) and play per tier 1 account, tier 2 by cluster, per owner
    assert "Tier 1 — 1:1" in dom and "Tier 2 clusters" in dom and "Accounts per owner" in dom
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        (owner, play) = con.execute("select owner_name, play_motion from account_tiers where tier = 'tier_1' limit 1").fetchone()
        (cluster,) = con.execute("select tier_2_cluster from tier_2_clusters order by accounts desc limit 1").fetchone()
    assert owner in dom and play in dom and cluster in dom
    # whether each tier's play is run: its SLA statuses by tier, tier 1 by owner
    assert "Is each tier worked as its play says?" in dom and "first touched on time" in dom
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        counts = con.execute(
            """select count(*) filter (where play_status = 'on_time'), count(*) filter (where play_status = 'late'),
                      count(*) filter (where play_status = 'overdue'), count(*) filter (where play_status = 'pending')
               from account_plays where tier = 'tier_3'"""
        ).fetchone()
    assert "<tr><td>Tier 3 — 1:many</td>" + "".join(f"<td>{n:,}</td>" for n in counts) in dom
    # the link to the data-quality report follows the data folder (ABM_DATA_DIR), wherever it is
    assert (paths().reports / "data_quality_latest.html").as_uri() in dom
