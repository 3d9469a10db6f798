"""The same exports, rules and runs on DuckDB and on a standalone Spark cluster give the same tables,
row for row.

The cluster is the one deploy/spark/local-cluster starts: a master and two workers, each its own JVM,
the pipeline's Spark session sent there by ABM_SPARK_MASTER. One worker is killed (SIGKILL, as a lost
machine) while the first Spark build runs: Spark runs its tasks again on the other and the build ends
as it would have.

Both engines run the whole pipeline (ingest, dbt, the checks, the publish) for a range and then for an
earlier date (an out-of-order backfill), then ICP discovery and a what-if of the current rules over the
stored history; every mart, with its full history, every discovery and what-if model and every
intermediate model of the last run are compared, so a difference points at the model that makes it;
then the models' dbt unit tests run on Spark.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import execute_job, published_in, run_job
from dagster_project.discovery.assets import AS_OF_TAG, DISCOVERY_JOB_NAME
from dagster_project.settings import DEFAULT_SCORING_CONFIG, REPO_ROOT, Paths
from dagster_project.transform.spark_tables import spark_table_folder, spark_table_relation
from dagster_project.whatif import WhatIf, run_whatif
from tests.conftest import SAMPLE_END, free_port

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or importlib.util.find_spec("pyspark") is None,
    reason="the Spark engine needs Java 17 and pyspark (pip install -e '.[spark]'); .ci/run installs both",
)

RUNS = [(SAMPLE_END - dt.timedelta(days=1), SAMPLE_END), (SAMPLE_END - dt.timedelta(days=3), SAMPLE_END - dt.timedelta(days=3))]
DIGITS = 9  # scores compared to 1e-9


CLUSTER_SCRIPT = REPO_ROOT / "deploy" / "spark" / "local-cluster"


@dataclass(frozen=True)
class Cluster:
    url: str
    ui_port: int
    folder: Path  # the script's pid files and logs

    def state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as reply:
            return json.load(reply)

    @contextlib.contextmanager
    def worker_killed_during_build(self, tables: Path) -> Iterator[dict]:
        """While the block runs: once a Spark application runs and has written ten tables, SIGKILL the
        second worker's JVM. Yields what it saw (the application it was killed under), filled in when
        the kill happens; the watch ends with the block."""
        seen: dict = {}
        build_over = threading.Event()

        def watch() -> None:
            # looks again every half second until the kill or the end of the build, whichever comes first
            while not seen and not build_over.wait(0.5):
                running = self.state()["activeapps"]
                if running and tables.is_dir() and len(list(tables.iterdir())) >= 10:
                    os.kill(int((self.folder / "worker-2.pid").read_text()), signal.SIGKILL)
                    seen.update(application=running[0]["id"], tables_written=len(list(tables.iterdir())))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield seen
        finally:
            build_over.set()
            watcher.join()


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark-cluster")
    master_port, ui_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "ABM_SPARK_CLUSTER_DIR": str(folder),
        "ABM_SPARK_MASTER_PORT": str(master_port),
        "ABM_SPARK_UI_PORT": str(ui_port),
    }
    subprocess.run([str(CLUSTER_SCRIPT), "start"], env=env, check=True, timeout=300)
    try:
        yield Cluster(f"spark://127.0.0.1:{master_port}", ui_port, folder)
    finally:
        subprocess.run([str(CLUSTER_SCRIPT), "stop"], env=env, check=False, timeout=120)


def run_on(engine: str, sample_loaded: Path, folder: Path, monkeypatch) -> Paths:
    shutil.copytree(sample_loaded, folder, symlinks=True)
    (folder / "dagster_home").mkdir()
    monkeypatch.setenv("ABM_DATA_DIR", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    monkeypatch.setenv("ABM_ENGINE", engine)
    rules = folder / "rules" / "scoring.yml"
    rules.parent.mkdir()
    # a review date between the runs, so the review calendar's SQL runs on both engines
    review = f"  quarterly: false\n  dates: [{SAMPLE_END - dt.timedelta(days=2)}]\n"
    rules.write_text(DEFAULT_SCORING_CONFIG.read_text().replace("  quarterly: false\n  dates: []\n", review))
    assert str(SAMPLE_END - dt.timedelta(days=2)) in rules.read_text()
    monkeypatch.setenv("ABM_SCORING_CONFIG", str(rules))
    for start, end in RUNS:
        result = run_job(start, end)
        assert result.success and published_in(result), f"{engine} run {start}..{end} failed or published nothing"
    discovery = execute_job(DISCOVERY_JOB_NAME, f"abm icp on {engine}", {AS_OF_TAG: SAMPLE_END.isoformat()}, None, None)
    assert discovery.success, f"ICP discovery failed on {engine}"
    return Paths(folder, engine)


def _comparable(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], str]:
    """The relation's columns, and a select of them with numbers rounded and everything as text."""
    described = con.execute(f"describe select * from {relation}").fetchall()
    columns = sorted(name for name, *_ in described)
    kinds = {name: kind for name, kind, *_ in described}

    def value(name: str) -> str:
        if kinds[name] in ("DOUBLE", "FLOAT") or kinds[name].startswith("DECIMAL"):
            return f'round(cast("{name}" as double), {DIGITS})'
        return f'cast("{name}" as varchar)'

    return columns, "select " + ", ".join(f'{value(name)} as "{name}"' for name in columns) + f" from {relation}"


def differences(con: duckdb.DuckDBPyConnection, duckdb_relation: str, spark_relation: str) -> str | None:
    duck_columns, duck_rows = _comparable(con, duckdb_relation)
    spark_columns, spark_rows = _comparable(con, spark_relation)
    if duck_columns != spark_columns:
        return f"columns differ: {sorted(set(duck_columns) ^ set(spark_columns))}"
    only_duckdb = con.execute(f"select count(*) from ({duck_rows} except all {spark_rows})").fetchone()[0]
    only_spark = con.execute(f"select count(*) from ({spark_rows} except all {duck_rows})").fetchone()[0]
    if only_duckdb or only_spark:
        return f"{only_duckdb} rows only on DuckDB, {only_spark} only on Spark"
    return None


def whatif_on(locations: Paths, monkeypatch) -> WhatIf:
    """The current rules replayed over the stored history (a null what-if) on the folder's engine."""
    monkeypatch.setenv("ABM_DATA_DIR", str(locations.data_dir))
    return run_whatif(locations, locations.data_dir / "rules" / "scoring.yml")


@pytest.mark.slow
def test_duckdb_and_spark_build_the_same_tables(sample_loaded, tmp_path, monkeypatch, spark_cluster):
    on_duckdb = run_on("duckdb", sample_loaded, tmp_path / "duckdb", monkeypatch)
    assert spark_cluster.state()["aliveworkers"] == 2
    monkeypatch.setenv("ABM_SPARK_MASTER", spark_cluster.url)
    with spark_cluster.worker_killed_during_build(tmp_path / "spark" / "spark" / "warehouse" / "abm.db") as killed:
        on_spark = run_on("spark", sample_loaded, tmp_path / "spark", monkeypatch)
    # a worker was lost mid-build, and every run still succeeded on the other (run_on asserts it)
    assert killed.get("application"), "no worker was killed during a Spark build"
    state = spark_cluster.state()
    assert state["aliveworkers"] == 1
    applications = {app["id"]: app["name"] for app in state["completedapps"] + state["activeapps"]}
    assert applications.get(killed["application"]) == "abm_tiering", applications
    whatifs = {"duckdb": whatif_on(on_duckdb, monkeypatch), "spark": whatif_on(on_spark, monkeypatch)}

    with duckdb.connect() as con:
        con.execute(f"attach '{on_duckdb.warehouse}' as on_duckdb (read_only)")
        con.execute(f"attach '{on_spark.warehouse}' as on_spark (read_only)")
        models = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'on_duckdb' and schema_name = 'main'"
            ).fetchall()
        ]
        marts = {name for (name,) in con.execute("select view_name from duckdb_views() where database_name = 'on_spark'").fetchall()}
        found = {}
        for model in sorted(models):
            if model in marts:
                found[model] = differences(con, f"on_duckdb.main.{model}", f"on_spark.main.{model}")
            elif spark_table_folder(on_spark, model).exists():
                found[model] = differences(con, f"on_duckdb.main.{model}", spark_table_relation(on_spark, model))
            else:
                found[model] = "not built on Spark"
        history_dates = con.execute("select count(distinct as_of_date) from on_spark.main.account_tier_history").fetchone()[0]
        con.execute(f"attach '{on_duckdb.serving_db}' as served_duckdb (read_only)")
        con.execute(f"attach '{on_spark.serving_db}' as served_spark (read_only)")
        found["published account_tiers"] = differences(con, "served_duckdb.bi.account_tiers", "served_spark.bi.account_tiers")
        con.execute(f"attach '{whatifs['duckdb'].warehouse}' as whatif_duckdb (read_only)")
        con.execute(f"attach '{whatifs['spark'].warehouse}' as whatif_spark (read_only)")
        for model in ("whatif_tier_migrations", "whatif_account_changes", "whatif_tier_outcomes", "whatif_score_thresholds"):
            found[model] = differences(con, f"whatif_duckdb.main.{model}", f"whatif_spark.main.{model}")
        moved_on_spark = con.execute(
            "select coalesce(sum(accounts), 0), count(distinct as_of_date) from whatif_spark.main.whatif_tier_migrations "
            "where current_tier != candidate_tier"
        ).fetchone()

    assert {"account_tiers", "account_tier_history", "account_tier_changes", "contact_quality", "icp_attribute_lift"} <= marts
    assert len(found) > 25, sorted(found)
    assert {model: problem for model, problem in found.items() if problem} == {}
    assert history_dates == 3, "the range and the earlier date, each its own partition"
    assert moved_on_spark[0] == 0, "the current rules replayed on Spark move no account"

    # The models' unit tests (fixtures in, rows out) hold on Spark too.
    abm = Path(sys.executable).with_name("abm")
    unit_tests = subprocess.run(
        [str(abm), "--engine", "spark", "--data-dir", str(on_spark.data_dir), "dbt", "--", "test", "--select", "resource_type:unit_test"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert unit_tests.returncode == 0, unit_tests.stdout[-4000:]
    assert "ERROR=0" in unit_tests.stdout and "PASS=0" not in unit_tests.stdout
