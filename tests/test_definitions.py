"""The Dagster definitions load, validate with the dagster CLI, and hold the whole graph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.settings import REPO_ROOT

DAGSTER = str(Path(sys.executable).with_name("dagster"))


def test_dagster_definitions_validate(data_dir):
    result = subprocess.run(
        [DAGSTER, "definitions", "validate", "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
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
    assert staging == {AssetKey(["raw", "crm_accounts"]), AssetKey(["reference", "country_spellings"])}
    checks = {key.name for key in graph.asset_check_keys}
    assert {"account_tiers_gate", "tier_movement_gate", "account_tiers_suite", "raw_crm_accounts_suite"} <= checks
    assert {s.name for s in defs.sensors} == {
        "new_export_sensor",
        "run_failure_alert_sensor",
        "export_freshness_sensor",
        "dead_run_sweeper",
    }
    assert [s.name for s in defs.schedules] == ["abm_nightly_schedule", "abm_icp_discovery_schedule"]


def test_icp_discovery_runs_monthly_on_its_own_and_never_in_the_nightly_run():
    from dagster import AssetKey

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    discovery = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "discovery"}
    assert {AssetKey(["icp_attribute_lift"]), AssetKey(["icp_evidence"]), AssetKey(["int_opportunity_accounts_as_of"])} <= discovery
    nightly = set(defs.resolve_job_def("abm_nightly").asset_layer.selected_asset_keys)
    monthly = set(defs.resolve_job_def("abm_icp_discovery").asset_layer.selected_asset_keys)
    assert nightly and not nightly & discovery
    assert monthly == discovery
    schedule = next(s for s in defs.schedules if s.name == "abm_icp_discovery_schedule")
    assert schedule.cron_schedule == "0 5 1 * *"


def test_dbt_sources_are_generated_from_the_raw_contract():
    from dagster_project.ingest.dbt_sources import SOURCES_FILE, render
    from dagster_project.ingest.loader import _output_columns

    assert SOURCES_FILE.read_text() == render(), "run `abm prepare` after changing dagster_project/ingest/schemas.py"
    sources = yaml.safe_load(SOURCES_FILE.read_text())["sources"][0]
    documented = {table["name"]: [c["name"] for c in table["columns"]] for table in sources["tables"]}
    assert documented == {name: _output_columns(schema) for name, schema in SCHEMAS.items()}


SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.yml"


def asset_graph_summary() -> dict:
    """Every asset with its group, upstream assets and checks, and the jobs, schedules and sensors."""
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(check.name for check in node.check_keys),
        }
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in defs.jobs),
        "schedules": sorted(schedule.name for schedule in defs.schedules),
        "sensors": sorted(sensor.name for sensor in defs.sensors),
    }


def test_the_asset_graph_matches_its_reviewed_snapshot():
    """A rewiring (a dependency lost, a check dropped, an asset renamed) shows in review as a diff of
    tests/snapshots/asset_graph.yml; after a deliberate change: UPDATE_SNAPSHOTS=1 pytest -k snapshot."""
    current = asset_graph_summary()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(yaml.safe_dump(current, sort_keys=False))
    assert current == yaml.safe_load(SNAPSHOT.read_text())


def test_every_check_says_what_it_guards():
    from dagster_project.definitions import defs

    specs = [spec for assets in defs.assets for spec in getattr(assets, "check_specs", ())]
    specs += [spec for check in defs.asset_checks for spec in check.check_specs]
    assert len(specs) > 100
    undescribed = [spec.name for spec in specs if not spec.description]
    assert not undescribed
    (capped,) = [s for s in specs if s.name.startswith("within_score_cap_int_account_scores_daily_intent_score")]
    assert capped.description == "intent_score is between 0 and the intent score's cap"
    (between,) = [s for s in specs if s.name.startswith("between_tier_metrics_tier_1_reachable_share")]
    assert between.description == "tier_1_reachable_share is at least 0 and at most 1"
    (required,) = [s for s in specs if s.name == "not_null_account_merges"]
    assert required.description == "surviving_account_id, merged_account_id are never empty"
