"""The local instance's event log keeps its SQLite connections open, and stays Dagster's own format."""

from __future__ import annotations

import logging
import time
import uuid

from dagster import AssetCheckResult, DagsterEventType, DagsterInstance, Definitions, asset, asset_check, define_asset_job
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage

from dagster_project.cli import LOCAL_INSTANCE_YAML, dagster_yaml, ensure_dagster_home
from dagster_project.event_log import MAX_OPEN_DATABASES, PooledSqliteEventLogStorage


@asset
def tiny_asset() -> int:
    return 1


@asset_check(asset=tiny_asset, blocking=True)
def tiny_asset_is_one() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def _run_tiny_job(instance: DagsterInstance) -> str:
    defs = Definitions(assets=[tiny_asset], asset_checks=[tiny_asset_is_one], jobs=[define_asset_job("tiny", selection="*")])
    result = defs.resolve_job_def("tiny").execute_in_process(instance=instance)
    assert result.success
    return result.run_id


def test_the_local_instance_records_a_run_that_dagsters_own_storage_reads_back(data_dir):
    home = ensure_dagster_home()
    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_id = _run_tiny_job(instance)
        written = [entry.dagster_event_type for entry in instance.all_logs(run_id)]
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key([tiny_asset_is_one.check_key])
        assert check[tiny_asset_is_one.check_key].status.value == "SUCCEEDED"

    stock = SqliteEventLogStorage(str(home / "history" / "runs"))
    read = [entry.dagster_event_type for entry in stock.get_logs_for_run(run_id)]
    assert read == written
    assert DagsterEventType.ASSET_CHECK_EVALUATION in read and DagsterEventType.ASSET_MATERIALIZATION in read


def _log_line(run_id: str, message: str = "hello") -> EventLogEntry:
    return EventLogEntry(error_info=None, level=logging.INFO, user_message=message, run_id=run_id, timestamp=time.time())


def test_a_watcher_of_a_run_sees_each_write_as_it_happens(tmp_path):
    """What the UI does to stream a live run: it watches the run's .db file for changes."""
    writer = PooledSqliteEventLogStorage(str(tmp_path))
    run_id = uuid.uuid4().hex
    writer.store_event(_log_line(run_id, "before"))
    reader = SqliteEventLogStorage(str(tmp_path))
    seen: list[str] = []
    reader.watch(run_id, None, lambda entry, cursor: seen.append(entry.user_message))
    try:
        for message in ("first", "second"):
            writer.store_event(_log_line(run_id, message))
            deadline = time.monotonic() + 10
            while message not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            assert message in seen, f"the watcher did not see {message!r}: {seen}"
    finally:
        reader.dispose()
        writer.dispose()


def test_the_instance_file_abm_wrote_is_kept_current_and_an_edited_one_left_alone(data_dir, tmp_path):
    home = data_dir / "dagster_home"
    config = home / "dagster.yaml"
    for earlier in (LOCAL_INSTANCE_YAML, dagster_yaml(tmp_path / "the folder before it moved")):
        config.write_text(earlier)
        ensure_dagster_home()
        assert config.read_text() == dagster_yaml(home)

    edited = dagster_yaml(home).replace("max_concurrent_runs: 1", "max_concurrent_runs: 2")
    config.write_text(edited)
    ensure_dagster_home()
    assert config.read_text() == edited


def test_open_databases_stay_bounded_and_every_run_stays_readable(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path))
    run_ids = [uuid.uuid4().hex for _ in range(MAX_OPEN_DATABASES + 3)]
    for run_id in run_ids:
        storage.store_event(_log_line(run_id))
    assert len(storage._engines) == MAX_OPEN_DATABASES
    assert [len(storage.get_logs_for_run(run_id)) for run_id in run_ids] == [1] * len(run_ids)

    storage.wipe()
    assert set(storage._engines) <= {"index"}  # wiping empties the index through it
    assert all(not storage.get_logs_for_run(run_id) for run_id in run_ids)
    storage.store_event(_log_line(run_ids[0]))  # the wiped files are created again
    assert len(storage.get_logs_for_run(run_ids[0])) == 1
    storage.dispose()
