"""The deployment instance: the nightly job against Dagster storage in a real PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from dagster_project.settings import REPO_ROOT
from tests.conftest import SAMPLE_END

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture()
def postgres():
    if not PG_BIN:
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs Debian's postgresql)")
    bin_dir = Path(PG_BIN[-1])
    # Outside pytest's private tmp tree, which the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="abm-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust"), check=True, capture_output=True)
    subprocess.run(
        as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o", f"-p {port} -h 127.0.0.1 -k {sockets}", "start"
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        subprocess.run(
            as_postgres(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster"),
            check=True,
            capture_output=True,
        )
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_USER": "dagster",
            "DAGSTER_PG_PASSWORD": "unused",
            "DAGSTER_PG_DB": "dagster",
        }
    finally:
        subprocess.run(as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_the_nightly_job_runs_against_a_postgres_backed_instance(landed, postgres, tmp_path, monkeypatch):
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home_outside_repo"
    home.mkdir()
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    from dagster_project.cli import run_job

    result = run_job(SAMPLE_END)
    assert result.success

    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        (run,) = instance.get_runs()
        assert run.run_id == result.run_id and run.job_name == "abm_nightly"
        assert run.tags["dagster/partition"] == SAMPLE_END.isoformat()
        for key in (AssetKey(["raw", "crm_accounts"]), AssetKey(["account_tiers"]), AssetKey(["published_tiers"])):
            event = instance.get_latest_materialization_event(key)
            assert event is not None and event.run_id == result.run_id, key
