"""Publishing to PostgreSQL beside the DuckDB file (ABM_PUBLISH_URL), on a real server of the test's own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import run_job
from dagster_project.publish import postgres
from dagster_project.publish.serving import PUBLISHED_TABLES, published_docs
from dagster_project.settings import paths
from tests.conftest import PREVIOUS_DAY, SAMPLE_END, free_port, wait_for


def postgres_rows(url: str, query: str) -> list[tuple]:
    with postgres.connection(url) as con, con.cursor() as cur:
        cur.execute(query)
        return cur.fetch_arrow_table().to_pylist()


def duckdb_rows(query: str) -> list[dict]:
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        return con.sql(query).to_arrow_table().to_pylist()


def ordered(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(map(repr, row.values())) for row in rows)


@pytest.fixture()
def publish_url(postgres_server, monkeypatch) -> str:
    url = postgres_server.create_database("tiers")
    monkeypatch.setenv(postgres.URL_ENV, url)
    return url


@pytest.mark.slow
def test_a_publish_serves_the_same_tables_from_postgres_documented_and_history_rewritten_by_date(published_yesterday, publish_url):
    assert run_job(SAMPLE_END).success
    for table in PUBLISHED_TABLES:
        assert ordered(postgres_rows(publish_url, f"select * from abm.{table}")) == ordered(duckdb_rows(f"select * from {table}")), table
    undocumented = postgres_rows(
        publish_url,
        "select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'bi' and a.attnum > 0 "
        "and col_description(c.oid, a.attnum) is null",
    )
    assert not undocumented, "every column of a bi view carries its description"
    assert postgres_rows(publish_url, "select obj_description('bi.account_tiers'::regclass) as text")[0]["text"]

    # the next night rewrites only the dates whose rows changed: the day before keeps its table
    parts = {row["as_of_date"]: row["part"] for row in postgres_rows(publish_url, "select as_of_date, part from abm._history_parts")}
    assert run_job(SAMPLE_END).success
    again = {row["as_of_date"]: row["part"] for row in postgres_rows(publish_url, "select as_of_date, part from abm._history_parts")}
    assert again[PREVIOUS_DAY] == parts[PREVIOUS_DAY] and set(again) == {PREVIOUS_DAY, SAMPLE_END}
    left = postgres_rows(publish_url, "select nspname from pg_namespace where nspname like '%\\_old\\_%' or nspname like '%\\_next'")
    assert not left, "the replaced versions' schemas are gone once no reader holds them"


# A BI tool over the network: each query reads the current tiers and the history of their date; the
# two must always come from one version.
READER = textwrap.dedent(
    """
    import json, os, sys, time
    import adbc_driver_postgresql.dbapi as pg
    url, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    query = ("select (select max(as_of_date) from bi.account_tiers), (select count(*) from bi.account_tiers), "
             "(select count(*) from bi.account_tier_history where as_of_date = (select max(as_of_date) from bi.account_tiers))")
    reads, errors = [], []
    with pg.connect(url) as con:
        while not os.path.exists(stop):
            try:
                with con.cursor() as cur:
                    cur.execute(query)
                    reads.append([str(value) for value in cur.fetchone()])
                con.commit()
            except Exception as error:
                errors.append(str(error))
                con.rollback()
            with open(out + ".count", "w") as count:
                count.write(str(len(reads)))
    json.dump({"reads": reads, "errors": errors}, open(out, "w"))
    """
)


@pytest.mark.slow
def test_readers_see_only_whole_versions_through_five_publishes_and_the_reader_role_only_reads(
    published_yesterday, publish_url, postgres_server, tmp_path
):
    import json

    assert run_job(SAMPLE_END).success  # two versions on disk: yesterday's and today's serving files
    versions = sorted((paths().published / "versions").iterdir())
    assert len(versions) == 2
    script, out, stop = tmp_path / "reader.py", tmp_path / "reads.json", tmp_path / "stop"
    script.write_text(READER)
    reader = subprocess.Popen([sys.executable, str(script), publish_url, str(out), str(stop)])
    count = Path(str(out) + ".count")
    wait_for(lambda: count.exists() and int(count.read_text() or 0) > 0, "the reader's first read")
    for version in [*versions, *versions, versions[0]]:
        postgres.switch(publish_url, postgres.build(publish_url, version / "serving.duckdb", published_docs()))
    stop.touch()
    assert reader.wait(timeout=120) == 0
    reads = json.loads(out.read_text())
    assert reads["errors"] == []
    assert {date for date, _, _ in reads["reads"]} == {str(PREVIOUS_DAY), str(SAMPLE_END)}
    assert all(tiers == history for _, tiers, history in reads["reads"]), "a read mixed two versions"

    # a BI login granted the reader role reads bi, and nothing else
    setup = postgres_server.psql("tiers", f"create role bi_tool login; grant {postgres.reader_role()} to bi_tool")
    assert setup.returncode == 0, setup.stderr
    assert postgres_server.psql("tiers", "select count(*) > 0 from bi.account_tiers", user="bi_tool").stdout.strip() == "t"
    for statement in ("select count(*) from abm.account_tiers", "delete from bi.account_tiers", "create table bi.mine (x int)"):
        refused = postgres_server.psql("tiers", statement, user="bi_tool")
        assert refused.returncode != 0 and "permission denied" in refused.stderr, (statement, refused.stderr)


def test_a_server_that_is_down_refuses_the_run_before_any_work_without_its_password(data_dir, sample_landing, monkeypatch):
    import shutil

    shutil.copytree(sample_landing, data_dir / "landing")
    monkeypatch.setenv(postgres.URL_ENV, f"postgresql://abm:s3cret-pw@127.0.0.1:{free_port()}/tiers")
    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    assert "cannot connect to postgresql://abm@127.0.0.1:" in result.stderr and "nothing was run" in result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr and "Traceback" not in result.stderr
    assert not (data_dir / "raw").exists()
