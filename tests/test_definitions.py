"""The Dagster definitions load, validate with the dagster CLI, and hold the whole graph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT

DAGSTER = str(Path(sys.executable).with_name("dagster"))


def test_dagster_definitions_validate(data_dir):
    result = subprocess.run(
        [DAGSTER, "definitions", "validate", "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_the_graph_runs_from_every_source_through_dbt_to_publish():
    from dagster import AssetKey

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    assert {AssetKey(["raw", s]) for s in SCHEMAS} <= keys
    assert {AssetKey(["account_tiers"]), AssetKey(["published_tiers"])} <= keys
    upstream = graph.get(AssetKey(["published_tiers"])).parent_keys
    assert AssetKey(["account_tiers"]) in upstream
    staging = graph.get(AssetKey(["stg_crm__accounts"])).parent_keys
    assert staging == {AssetKey(["raw", "crm_accounts"])}
    checks = {key.name for key in graph.asset_check_keys}
    assert {"account_tiers_gate", "account_tiers_suite", "raw_crm_accounts_suite"} <= checks
    assert {s.name for s in defs.sensors} == {"new_export_sensor", "run_failure_alert_sensor", "export_freshness_sensor", "dead_run_sweeper"}
    assert [s.name for s in defs.schedules] == ["abm_nightly_schedule"]


def test_dbt_sources_document_exactly_the_columns_ingest_writes():
    from dagster_project.ingest.loader import _output_columns

    sources = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "__sources.yml").read_text())["sources"][0]
    documented = {table["name"]: [c["name"] for c in table["columns"]] for table in sources["tables"]}
    for name, schema in SCHEMAS.items():
        assert documented[name] == _output_columns(schema), name
