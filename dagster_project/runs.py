"""One run at a time per data folder, and no run left "started" by a process that is gone.

The lock is an advisory `flock` on data/.run.lock: the kernel releases it when its process dies, so a
killed run never leaves a stale lock behind. CLI runs (which Dagster executes in process, outside the
instance's run queue) hold it for their whole run; runs the daemon launches are serialised by the
queue (`max_concurrent_runs: 1`) and check the lock before they write, so neither kind overwrites
the other's files.

A run whose process was killed stays STARTED in Dagster's storage, and the queue would count it as
in progress for ever. `sweep_dead_runs` marks such runs failed; the CLI calls it before every run
and a sensor calls it every minute in the daemon.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".run.lock"
_held_here: set[Path] = set()


class DataFolderBusy(RuntimeError):
    """Another run is working in this data folder."""


@contextlib.contextmanager
def data_folder_lock(data_dir: Path, what: str) -> Iterator[None]:
    """Hold the data folder for a run, or fail at once naming the run that holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        raise DataFolderBusy(_busy_message(data_dir)) from None
    os.ftruncate(handle, 0)
    os.write(handle, json.dumps({"pid": os.getpid(), "started_at": _now(), "what": what}).encode())
    _held_here.add(data_dir)
    try:
        yield
    finally:
        _held_here.discard(data_dir)
        os.ftruncate(handle, 0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


def ensure_free(data_dir: Path) -> None:
    """For steps of daemon-launched runs: fail clearly, before writing, while a CLI run holds the folder."""
    from dagster import Failure

    if data_dir in _held_here or not (data_dir / LOCK_FILE).exists():
        return
    handle = os.open(data_dir / LOCK_FILE, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        raise Failure(description=_busy_message(data_dir), allow_retries=False) from None
    finally:
        os.close(handle)


def _busy_message(data_dir: Path) -> str:
    try:
        holder = json.loads((data_dir / LOCK_FILE).read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    who = f"{holder.get('what', 'a run')} (pid {holder.get('pid', '?')}, started {holder.get('started_at', '?')})"
    return (
        f"another run is working in {data_dir}: {who}. One run at a time per data folder: "
        "wait for it to finish (a run whose process died releases the folder by itself)."
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# The pid of the CLI process that executes a run in process, on the run itself: a run whose
# process died before Dagster logged anything (a full disk) still names it.
RUN_PID_TAG = "abm/pid"


def sweep_dead_runs(instance) -> list[str]:
    """Mark failed every run not started, starting or started whose process no longer exists."""
    from dagster import DagsterRunStatus, RunsFilter

    swept = []
    unfinished = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
    for run in instance.get_runs(RunsFilter(statuses=unfinished)):
        pid = int(run.tags[RUN_PID_TAG]) if RUN_PID_TAG in run.tags else _run_pid(instance, run.run_id)
        if pid is None or process_alive(pid):
            continue
        instance.report_run_failed(run, f"The process running it (pid {pid}) is gone (killed or crashed); marked failed.")
        swept.append(run.run_id)
    return swept


def mark_failed_if_unfinished(instance, run_id: str, why: str) -> None:
    """Mark a run failed that its own process is giving up on; if the storage cannot take it (the disk
    is still full), the next run's sweep does."""
    from dagster import DagsterRunStatus

    with contextlib.suppress(Exception):
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status in (DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED):
            instance.report_run_failed(run, why)


def _run_pid(instance, run_id: str) -> int | None:
    """The pid Dagster logged for the process that executes the run (its first engine event with one)."""
    from dagster import DagsterEventType

    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20).records
    for record in records:
        metadata = record.event_log_entry.dagster_event.engine_event_data.metadata or {}
        if "pid" in metadata:
            return int(metadata["pid"].value)
    return None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
