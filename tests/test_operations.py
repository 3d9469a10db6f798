"""Nightly operations: the schedule, the new-export sensor, failure alerts, promotion alerts, CRM write-back."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context, build_schedule_context

from dagster_project.cli import run_job
from dagster_project.schedules.nightly import nightly_schedule
from dagster_project.schedules.sensors import new_export_requests, send_failure_alert, stale_sources
from dagster_project.settings import paths
from tests.conftest import PREVIOUS_DAY, SAMPLE_END, write_text


def alerts(kind: str) -> list[dict]:
    path = paths().data_dir / "alerts" / f"{kind}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_nightly_schedule_runs_yesterdays_partition_at_two():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    context = build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC))
    (request,) = list(nightly_schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-03-14"


def test_a_new_intent_folder_requests_a_run_for_its_date_once(data_dir):
    write_text(paths().landing / "intent" / "2026-03-10" / "g2.csv", "domain,topic,score,date\nacme.com,ETL,80,2026-03-10\n")
    write_text(paths().landing / "crm_accounts" / "2026-03-11" / "Account.csv", "Id,Name\n1,Acme\n")
    requests, cursor = new_export_requests(paths(), {}, dt.date(2026, 3, 15))
    assert [(r.partition_key, r.tags["abm/trigger"]) for r in requests] == [("2026-03-10", "new export intent/2026-03-10")]
    again, _ = new_export_requests(paths(), cursor, dt.date(2026, 3, 15))
    assert again == []
    # A folder dated today waits for the nightly run: its partition does not exist yet.
    write_text(paths().landing / "intent" / "2026-03-15" / "g2.csv", "domain,topic,score,date\nacme.com,ETL,80,2026-03-15\n")
    assert new_export_requests(paths(), cursor, dt.date(2026, 3, 15))[0] == []


def test_stale_sources_are_flagged(data_dir):
    write_text(paths().landing / "crm_accounts" / "2026-03-01" / "Account.csv", "Id,Name\n1,Acme\n")
    stale = stale_sources(paths(), dt.date(2026, 3, 15))
    assert "latest crm_accounts export is from 2026-03-01 (14 days ago; limit 2 days)" == stale["crm_accounts"]
    assert stale["crm_contacts"] == "no crm_contacts export has ever landed"
    assert "email_verifications" not in stale


def test_a_failed_step_raises_an_alert_in_the_file_and_on_the_webhook(landed, webhook, tmp_path, monkeypatch):
    broken = write_text(tmp_path / "scoring.yml", "tiers: {}\n")
    monkeypatch.setenv("ABM_SCORING_CONFIG", str(broken))
    result = run_job(SAMPLE_END)
    assert not result.success
    with DagsterInstance.get() as instance:
        run = instance.get_run_by_id(result.run_id)
        (failure,) = [e.dagster_event for e in instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_FAILURE)]
        context = build_run_status_sensor_context(
            sensor_name="run_failure_alert_sensor", dagster_instance=instance, dagster_run=run, dagster_event=failure
        ).for_run_failure()
        send_failure_alert(context, paths().alerts)
    (alert,) = alerts("run_failure")
    assert alert["failed_steps"] == ["abm_dbt_models"]
    assert "Invalid scoring rules" in alert["text"] and "missing key 'activation'" in alert["text"]
    assert alert["partition"] == SAMPLE_END.isoformat()
    assert webhook.received and webhook.received[0]["text"] == alert["text"]


# What the CRM holds per account: a change in any of them is written back.
WRITTEN_BACK = "(tier, round(total_score, 1), family_tier, round(buying_group_coverage, 2))"


@pytest.mark.slow
def test_tier_changes_alert_once_and_write_back_only_what_changed(landed, webhook):
    assert run_job(PREVIOUS_DAY).success
    assert run_job(SAMPLE_END).success
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        changes = con.execute(
            f"select account_id, from_tier, to_tier from account_tier_changes where as_of_date = '{SAMPLE_END}' "
            "and (change_type = 'promotion' or from_tier = 'tier_1')"
        ).fetchall()
        today = dict(
            con.execute(f"select account_id, {WRITTEN_BACK} from account_tier_history where as_of_date = '{SAMPLE_END}'").fetchall()
        )
        before = dict(
            con.execute(f"select account_id, {WRITTEN_BACK} from account_tier_history where as_of_date = '{PREVIOUS_DAY}'").fetchall()
        )

    sent = [(a["account_id"], a["from_tier"], a["to_tier"]) for a in alerts("tier_change") if a["as_of_date"] == str(SAMPLE_END)]
    assert sorted(sent) == sorted(changes)
    assert len([p for p in webhook.received if p["kind"] == "tier_change"]) == len(alerts("tier_change"))
    if changes:
        first = next(a for a in alerts("tier_change") if a["as_of_date"] == str(SAMPLE_END))
        assert first["play_motion"] and first["owner_id"] and first["tier_reason"] in first["text"]

    count = len(alerts("tier_change"))
    assert run_job(SAMPLE_END).success  # a rerun of the same date sends nothing again
    assert len(alerts("tier_change")) == count

    folder = paths().published / "crm_writeback" / SAMPLE_END.isoformat()
    with open(folder / "salesforce_account_upsert.csv") as handle:
        salesforce = list(csv.DictReader(handle))
    with open(folder / "hubspot_company_import.csv") as handle:
        hubspot = list(csv.DictReader(handle))
    expected = {a for a, value in today.items() if before.get(a) != value}
    assert {row["Id"] for row in salesforce} == expected
    assert {row["Record ID"] for row in hubspot} == expected
    for row in salesforce:
        assert row["ABM_Tier__c"] == today[row["Id"]][0]
        assert row["ABM_Family_Tier__c"] == today[row["Id"]][2]
        assert row["ABM_Suppress__c"] == ("true" if row["ABM_Tier__c"] == "disqualified" else "false")
    assert all(row["hs_ideal_customer_profile"] in ("tier_1", "tier_2", "tier_3", "") for row in hubspot)


@pytest.mark.slow
def test_an_injected_export_reaches_write_back_neutralised_and_a_failure_after_publish_says_so(landed):
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pandas as pd

    assert run_job(PREVIOUS_DAY).success
    (accounts,) = (paths().landing / "crm_accounts" / SAMPLE_END.isoformat()).iterdir()
    frame = pd.read_csv(accounts, dtype=str, keep_default_na=False)
    injected = frame.iloc[[0]].assign(Id="=2+3", Name="Evil <!channel> Corp", Website="evil-formula.example")
    pd.concat([frame, injected]).to_csv(accounts, index=False)
    # A write-back file that cannot be written (a folder in its place) fails the same way every time.
    obstacle = paths().published / "crm_writeback" / SAMPLE_END.isoformat() / "hubspot_company_import.csv"
    obstacle.mkdir(parents=True)

    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=600, env=os.environ)
    assert result.returncode == 1
    assert "FAILED after the tiers were published" in result.stderr and "Nothing new was published" not in result.stderr
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        assert con.execute("select max(as_of_date) from account_tiers").fetchone()[0] == SAMPLE_END
    with open(obstacle.parent / "salesforce_account_upsert.csv") as handle:
        ids = {row["Id"] for row in csv.DictReader(handle)}
    assert "'=2+3" in ids and "=2+3" not in ids
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        assert not instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_UP_FOR_RETRY)  # not retried


def test_the_new_export_sensor_starts_no_work_for_what_landed_before_it(data_dir):
    from dagster import build_sensor_context

    from dagster_project.definitions import defs
    from dagster_project.resources import DataFolder
    from dagster_project.schedules.sensors import new_export_sensor

    resources = {"data_folder": DataFolder()}
    yesterday = dt.date.today() - dt.timedelta(days=1)
    for day in (yesterday - dt.timedelta(days=2), yesterday - dt.timedelta(days=1)):
        write_text(paths().landing / "intent" / day.isoformat() / "g2.csv", f"domain,topic,score,date\nacme.com,ETL,80,{day}\n")
    with DagsterInstance.get() as instance:
        first = new_export_sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None, definitions=defs, resources=resources))
        assert not first.run_requests and "2 export folder(s) already landed" in first.skip_message
        write_text(paths().landing / "intent" / yesterday.isoformat() / "g2.csv", f"domain,topic,score,date\nacme.com,ETL,90,{yesterday}\n")
        later = new_export_sensor.evaluate_tick(
            build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs, resources=resources)
        )
    assert [r.partition_key for r in later.run_requests] == [yesterday.isoformat()]


def test_each_run_reports_the_tiers_of_its_own_date(landed):
    metadata = {}
    for day in (SAMPLE_END, PREVIOUS_DAY):  # the earlier date runs last, as a backfill would
        result = run_job(day)
        assert result.success
        (published,) = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["published_tiers"]]
        values = published.step_materialization_data.materialization.metadata
        metadata[day] = {key: value.value for key, value in values.items() if key.endswith("_accounts") or key == "promotions"}
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        for day, reported in metadata.items():
            counts = dict.fromkeys(("tier_1_accounts", "tier_2_accounts", "tier_3_accounts", "disqualified_accounts"), 0)
            counts |= dict(
                con.execute(
                    "select tier || '_accounts', count(*) from account_tier_history where as_of_date = ? group by 1", [day]
                ).fetchall()
            )
            (promotions,) = con.execute(
                "select count(*) from account_tier_changes where as_of_date = ? and change_type = 'promotion'", [day]
            ).fetchone()
            assert reported == {**counts, "promotions": promotions}, day
    assert metadata[SAMPLE_END] != metadata[PREVIOUS_DAY]
    # the run's dates and the PII key went to dbt's process only
    assert not {"ABM_AS_OF_START", "ABM_AS_OF_END", "DBT_ENV_SECRET_ABM_PII_KEY"} & set(os.environ)


@pytest.mark.slow
def test_overdue_tier_1_plays_alert_their_owner_once_and_each_owner_gets_a_weekly_digest(landed, webhook):
    assert run_job(SAMPLE_END - dt.timedelta(days=4), SAMPLE_END).success  # a backfill: plays old enough to be due
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        overdue = con.execute(
            "select account_id, account_name, owner_name, play_entered_date from account_plays "
            "where tier = 'tier_1' and play_status = 'overdue'"
        ).fetchall()
        owners = {o for (o,) in con.execute("select owner_name from account_plays where tier <> 'disqualified'").fetchall() if o}
    assert overdue, "the sample's owners leave some tier 1 accounts untouched"
    sent = alerts("play_overdue")
    assert sorted((a["account_id"], a["play_entered_date"]) for a in sent) == sorted((a, str(d)) for a, _, _, d in overdue)
    assert all(a["owner_name"] in a["text"] and a["sla_due_date"] in a["text"] for a in sent)
    assert len([p for p in webhook.received if p["kind"] == "play_overdue"]) == len(sent)

    digests = {d["owner_name"]: d["text"] for d in alerts("play_digest")}
    assert set(digests) == owners
    _, name, owner, _ = overdue[0]
    assert "Tier 1 overdue:" in digests[owner] and name in digests[owner]

    assert run_job(SAMPLE_END).success  # the next run of the same week: nothing sent again
    assert len(alerts("play_overdue")) == len(sent) and len(alerts("play_digest")) == len(digests)


def test_a_thousand_alerts_are_each_filed_and_posted_once_and_logged_as_a_count(tmp_path, webhook, caplog):
    from dagster_project.alerts import LOGGED_ONE_BY_ONE
    from dagster_project.publish.activation import _send_once

    messages = [(f"overdue|A{i}", f"A{i} is overdue", {"account_id": f"A{i}"}) for i in range(1000)]
    with caplog.at_level("INFO", logger="abm.alerts"):
        assert _send_once(tmp_path, "play_overdue", messages, None) == 1000
    filed = [json.loads(line) for line in (tmp_path / "play_overdue.jsonl").read_text().splitlines()]
    assert sorted(alert["alert_key"] for alert in filed) == sorted(key for key, _, _ in messages)
    assert len(webhook.received) == 1000
    assert len(caplog.records) == 1 and "1,000 alerts" in caplog.records[0].getMessage()

    more = [*messages[:10], *[(f"overdue|B{i}", f"B{i} is overdue", {"account_id": f"B{i}"}) for i in range(LOGGED_ONE_BY_ONE)]]
    caplog.clear()
    with caplog.at_level("INFO", logger="abm.alerts"):
        assert _send_once(tmp_path, "play_overdue", more, None) == LOGGED_ONE_BY_ONE  # the ten already sent are not
    assert [record.getMessage() for record in caplog.records] == [f"[play_overdue] B{i} is overdue" for i in range(LOGGED_ONE_BY_ONE)]
    with duckdb.connect(str(tmp_path / "ledger.duckdb"), read_only=True) as ledger:
        recorded = ledger.execute("select count(*), count(distinct alert_key), min(kind) from play_alerts").fetchone()
    assert recorded == (1050, 1050, "play_overdue")
