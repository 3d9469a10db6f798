"""The per-day fingerprints that decide whether a look-back day's remembered ranks can be reused."""

from __future__ import annotations

import datetime as dt
import json

from dagster_project.settings import Paths
from dagster_project.transform.score_inputs import RAW_URI_ENV, SCORE_INPUTS_ENV, score_input_fingerprints, score_inputs_env

DAY = dt.date(2026, 3, 10)


def load(data_dir, source: str, day: dt.date, content: bytes = b"rows", name: str = "part-0.parquet") -> None:
    partition = Paths(data_dir).raw / source / f"export_date={day.isoformat()}"
    partition.mkdir(parents=True, exist_ok=True)
    (partition / name).write_bytes(content)


def fingerprints(data_dir, version: str = "v1") -> dict[str, str]:
    return score_input_fingerprints(Paths(data_dir), version, DAY - dt.timedelta(days=3), DAY + dt.timedelta(days=3))


def test_an_export_changes_the_fingerprint_of_its_day_and_every_later_one_only(tmp_path):
    for offset in range(-5, 4):
        load(tmp_path, "crm_accounts", DAY + dt.timedelta(days=offset))
    before = fingerprints(tmp_path)
    assert list(before) == [(DAY + dt.timedelta(days=n)).isoformat() for n in range(-3, 4)]
    assert len(set(before.values())) == 7, "each day adds an export"

    load(tmp_path, "intent", DAY, b"a late delivery")
    after = fingerprints(tmp_path)
    assert [day for day in before if before[day] != after[day]] == [d for d in before if d >= DAY.isoformat()]


def test_reloading_an_old_export_or_changing_the_rules_changes_every_later_day(tmp_path):
    load(tmp_path, "crm_accounts", DAY - dt.timedelta(days=30))
    before = fingerprints(tmp_path)
    load(tmp_path, "crm_accounts", DAY - dt.timedelta(days=30), b"the same export, loaded again with more rows")
    reloaded = fingerprints(tmp_path)
    assert all(before[day] != reloaded[day] for day in before)
    assert all(before[day] != changed for day, changed in fingerprints(tmp_path, "v2").items())
    assert fingerprints(tmp_path) == reloaded, "the same inputs give the same fingerprints"


def test_bookkeeping_folders_and_later_exports_do_not_count(tmp_path):
    load(tmp_path, "crm_accounts", DAY)
    before = fingerprints(tmp_path)
    load(tmp_path, "_rejects/crm_accounts", DAY, b"rejected rows")
    load(tmp_path, "crm_accounts", DAY + dt.timedelta(days=10))
    (Paths(tmp_path).raw / "_loads").mkdir()
    assert fingerprints(tmp_path) == before


def test_no_fingerprints_when_dbt_reads_another_raw_layer(tmp_path, monkeypatch):
    load(tmp_path, "crm_accounts", DAY)
    days = json.loads(score_inputs_env(Paths(tmp_path), {"scoring": {}}, DAY, DAY)[SCORE_INPUTS_ENV])
    assert days[DAY.isoformat()] and len(days) == 367
    monkeypatch.setenv(RAW_URI_ENV, "s3://bucket/raw")
    assert score_inputs_env(Paths(tmp_path), {"scoring": {}}, DAY, DAY) == {}
