"""The dbt argument builder: one `dbt build` per run, the rules as vars, the as-of range in the environment."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dagster_project.transform.dbt_args import as_of_env, dbt_build_args, dbt_env, padded_keys


def test_one_build_with_the_rules_as_vars():
    args = dbt_build_args({"tiers": {"tier_1_cap": 5}})
    assert args[:2] == ["build", "--vars"]
    assert args[3:] == ["--target", "duckdb", "--exclude-resource-type", "unit_test"]
    assert json.loads(args[2]) == {
        "scoring": {"tiers": {"tier_1_cap": 5}},
        "tiers": ["tier_1", "tier_2", "tier_3", "disqualified"],
        "publish_emails": False,
        "publish_contact_names": False,
    }


def test_the_vars_do_not_depend_on_the_date_so_dbt_can_reuse_its_parse():
    # dbt re-parses every file when --vars change: two nights with the same rules must not differ.
    assert dbt_build_args({"tiers": {"tier_1_cap": 5}}) == dbt_build_args({"tiers": {"tier_1_cap": 5}})
    assert not any("2026" in arg for arg in dbt_build_args({}))


def test_the_as_of_range_goes_in_the_environment():
    assert as_of_env(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == {
        "ABM_AS_OF_START": "2026-01-01",
        "ABM_AS_OF_END": "2026-01-31",
    }


def test_the_engine_picks_the_dbt_target():
    assert dbt_build_args({}, engine="spark")[3:5] == ["--target", "spark"]


def test_dbt_gets_the_data_folder_the_range_the_key_and_the_loaded_sources(tmp_path):
    import hashlib
    import hmac

    env = dbt_env(tmp_path, dt.date(2026, 1, 1), dt.date(2026, 1, 2), "a-key-of-sixteen-chars", ["intent", "crm_accounts"])
    assert env["ABM_DATA_DIR"] == str(tmp_path) and env["ABM_AS_OF_END"] == "2026-01-02"
    assert env["ABM_RAW_SOURCES"] == "crm_accounts,intent"
    assert env["DBT_LOG_LEVEL_FILE"] == "info"
    # Spark's keyed_hash composes HMAC from the padded keys: the same digest as Python's hmac.
    inner, outer = bytes.fromhex(env["DBT_ENV_SECRET_ABM_HMAC_INNER"]), bytes.fromhex(env["DBT_ENV_SECRET_ABM_HMAC_OUTER"])
    assert (inner, outer) == padded_keys(b"a-key-of-sixteen-chars")
    digest = hashlib.sha256(outer + hashlib.sha256(inner + b"ana@example.com").digest()).hexdigest()
    assert digest == hmac.new(b"a-key-of-sixteen-chars", b"ana@example.com", hashlib.sha256).hexdigest()


def test_publishing_emails_is_opt_in():
    args = dbt_build_args({}, publish_emails=True)
    assert json.loads(args[2])["publish_emails"] is True


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        as_of_env(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_dbts_environment_reaches_its_process_and_leaves_ours_as_it_was(monkeypatch):
    import os
    import subprocess
    import sys

    from dagster_project.transform.resource import environment_of_subprocesses

    monkeypatch.setenv("ABM_AS_OF_END", "before")
    monkeypatch.delenv("ABM_AS_OF_START", raising=False)
    with environment_of_subprocesses(as_of_env(dt.date(2026, 1, 2), dt.date(2026, 1, 3))):
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.environ['ABM_AS_OF_START'], os.environ['ABM_AS_OF_END'])"],
            capture_output=True,
            text=True,
            check=True,
        )
    assert child.stdout.split() == ["2026-01-02", "2026-01-03"]
    assert os.environ["ABM_AS_OF_END"] == "before" and "ABM_AS_OF_START" not in os.environ


def test_dbt_logs_its_statements_to_its_file_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert dbt_env(tmp_path, dt.date(2026, 1, 1), dt.date(2026, 1, 1), "a-key-of-sixteen-chars", [])["DBT_LOG_LEVEL_FILE"] == "debug"
