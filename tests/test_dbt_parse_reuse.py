"""Each nightly run starts from the last run's dbt parse, so a new date costs no re-parse."""

from __future__ import annotations

import json
import os
import time

import pytest

from dagster_project.cli import run_job
from dagster_project.settings import paths
from dagster_project.transform.resource import PARTIAL_PARSE_FILE, RUNS_KEPT, keep_parse, run_target_path
from tests.conftest import PREVIOUS_DAY, SAMPLE_END


def parse_messages(run_target) -> list[str]:
    messages = [json.loads(line)["info"]["msg"] for line in (run_target / "dbt.log").read_text().splitlines()]
    return [m for m in messages if "partial parsing" in m.lower()]


def test_a_run_folder_starts_from_the_kept_parse_and_old_folders_go(tmp_path):
    first = run_target_path(tmp_path, "run-a")
    assert not (first / PARTIAL_PARSE_FILE).exists()  # nothing kept yet: dbt parses in full
    (first / PARTIAL_PARSE_FILE).write_bytes(b"parse of run a")
    keep_parse(tmp_path, first)
    assert (tmp_path / PARTIAL_PARSE_FILE).read_bytes() == b"parse of run a"

    folders = []
    for n in range(RUNS_KEPT + 2):
        folder = run_target_path(tmp_path, f"later-{n}")
        assert (folder / PARTIAL_PARSE_FILE).read_bytes() == b"parse of run a"
        os.utime(folder, (time.time() + n, time.time() + n))
        folders.append(folder)
    keep_parse(tmp_path, folders[-1])
    assert sorted(p.name for p in tmp_path.glob("run-*")) == sorted(f.name for f in folders[-RUNS_KEPT:])


@pytest.mark.slow
def test_the_second_night_reuses_the_first_nights_parse(landed, monkeypatch):
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt says what it parsed at debug level
    assert run_job(PREVIOUS_DAY).success
    assert run_job(SAMPLE_END).success
    runs = sorted(paths().dbt_target.glob("run-*"), key=lambda p: p.stat().st_mtime)
    assert len(runs) == 2
    second_night = parse_messages(runs[-1])
    assert not any("Unable to do partial parsing" in m for m in second_night), second_night
    assert any("0 files changed" in m or "no changes found" in m for m in second_night), second_night
