"""The deployment instance: the nightly job against Dagster storage in a real PostgreSQL server."""

from __future__ import annotations

import shutil

import pytest
from dagster import AssetKey, DagsterInstance

from dagster_project.settings import REPO_ROOT
from tests.conftest import SAMPLE_END


@pytest.fixture()
def postgres(postgres_server):
    """The server as dagster-postgres reads it, with a database for Dagster's storage."""
    postgres_server.create_database("dagster")
    return {
        "DAGSTER_PG_HOST": postgres_server.host,
        "DAGSTER_PG_PORT": str(postgres_server.port),
        "DAGSTER_PG_USER": postgres_server.user,
        "DAGSTER_PG_PASSWORD": "unused",
        "DAGSTER_PG_DB": "dagster",
    }


@pytest.mark.slow
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
