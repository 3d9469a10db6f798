"""Fault injection: kills mid-step, broken files, re-deliveries and a locked warehouse.

Each test asserts that nothing published or loaded is lost and that the next clean run recovers
by itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.cli import run_job
from dagster_project.ingest.loader import ExportRejected, load_export, load_pending
from dagster_project.settings import REPO_ROOT, paths
from tests.conftest import PREVIOUS_DAY, SAMPLE_END, wait_for, write_text

ABM = str(Path(sys.executable).with_name("abm"))


def tree_digest(root: Path, skip: tuple[str, ...] = (".scratch", ".trash")) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part in skip for part in p.relative_to(root).parts)
    }


def published_state() -> dict[str, str]:
    """What readers are served: the serving file, the Parquet version `parquet` points at, the report."""
    published = paths().published
    state = {f"parquet/{k}": v for k, v in tree_digest((published / "parquet").resolve()).items()}
    state["parquet ->"] = str((published / "parquet").resolve())
    for name in ("serving.duckdb", "tier_report.html"):
        state[name] = hashlib.sha256((published / name).read_bytes()).hexdigest()
    return state


def start_run(day: dt.date, pause_at: str | None = None) -> subprocess.Popen:
    env = {**os.environ, **({"ABM_PAUSE_AT": pause_at} if pause_at else {})}
    return subprocess.Popen(
        [ABM, "run", "--date", day.isoformat()], env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def processes() -> dict[int, tuple[int, list[bytes]]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                found[int(proc.name)] = (parent, (proc / "cmdline").read_bytes().split(b"\0"))
            except (OSError, IndexError, ValueError):
                continue
    return found


def descendants(root: int) -> dict[int, list[bytes]]:
    table, found, frontier = processes(), {}, {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in found}
        found.update({pid: table[pid][1] for pid in frontier})
    return found


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the run and everything it started (dbt runs as a child process)."""
    for pid in descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def dbt_running_under(root: int) -> bool:
    return any(any(os.path.basename(arg) == b"dbt" for arg in args[:2]) and b"build" in args for args in descendants(root).values())


def dbt_built_a_model() -> bool:
    return any("OK created sql" in log.read_text(errors="replace") for log in paths().dbt_target.glob("run-*/dbt.log"))


def assert_recovers() -> None:
    result = run_job(SAMPLE_END)
    assert result.success
    import duckdb

    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        assert con.execute("select max(as_of_date) from account_tiers").fetchone()[0] == SAMPLE_END
    versions = paths().published / "versions"
    assert not list(versions.glob(".building-*"))
    assert len(list(versions.iterdir())) <= 2 and (paths().published / "current").resolve().parent == versions


def redeliver(day) -> None:
    """The accounts export of a loaded date delivered again, changed."""
    accounts = next((paths().landing / "crm_accounts" / day.isoformat()).iterdir())
    accounts.write_bytes(accounts.read_bytes().replace(b"Software", b"Software "))


@pytest.mark.slow
def test_killed_during_ingest(published_yesterday):
    raw_before, published_before = tree_digest(paths().raw), published_state()
    redeliver(PREVIOUS_DAY)  # a changed export that was already loaded must not half-replace the old one
    run = start_run(SAMPLE_END, pause_at="ingest")
    wait_for(lambda: (paths().data_dir / ".paused-at-ingest").exists(), "ingest to pause")
    kill(run)
    assert tree_digest(paths().raw) == raw_before
    assert published_state() == published_before
    (paths().data_dir / ".paused-at-ingest").unlink()
    assert_recovers()


@pytest.mark.slow
def test_killed_during_dbt(published_yesterday):
    published_before = published_state()
    run = start_run(SAMPLE_END)
    wait_for(lambda: dbt_running_under(run.pid), "dbt to start")
    wait_for(dbt_built_a_model, "dbt to build its first model")  # killed mid-build, tables half replaced
    kill(run)
    assert published_state() == published_before
    assert_recovers()


@pytest.mark.slow
def test_killed_during_publish(published_yesterday):
    published_before = published_state()
    run = start_run(SAMPLE_END, pause_at="publish")
    wait_for(lambda: (paths().data_dir / ".paused-at-publish").exists(), "publish to pause")
    newest = max((paths().published / "versions").iterdir())
    assert newest != (paths().published / "current").resolve(), "the new version is built but not switched to"
    assert (newest / "serving.duckdb").exists() and (newest / "tier_report.html").exists()
    kill(run)
    assert published_state() == published_before
    (paths().data_dir / ".paused-at-publish").unlink()
    assert_recovers()


def test_a_locked_warehouse_fails_clearly_and_the_next_run_recovers(published_yesterday):
    published_before = published_state()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(paths().warehouse)!r}); print('ok', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ok"
    try:
        result = run_job(SAMPLE_END)
        assert not result.success
        (failure,) = [e for e in result.all_events if e.is_step_failure]
        message = failure.step_failure_data.user_failure_data.description
        assert failure.step_key == "abm_dbt_models"
        assert f"The warehouse {paths().warehouse} is locked by another process" in message
        assert f"PID {holder.pid}" in message
        assert published_state() == published_before
    finally:
        holder.kill()
        holder.wait()
    assert_recovers()


DAY = dt.date(2026, 4, 1)
GOOD = "Id,Name,Website,NumberOfEmployees\n001A,Acme,acme.com,10\n001B,Globex,globex.io,20\n"


def bad_file(kind: str, folder: Path) -> Path:
    if kind == "truncated":
        return write_text(folder / "Account.csv", "Id,Name,Website,NumberOfEmployees\n001A,Acme,acme.com,10\n001B,Glo")
    if kind == "wrong delimiter":
        # the header says ';', the rows say ',' (a pipe- or tab-delimited file on its own loads fine)
        return write_text(folder / "Account.csv", "Id;Name;Website\n001A,Acme,acme.com\n001B,Globex,globex.io\n")
    if kind == "wrong encoding":
        path = folder / "Account.csv"
        # Shift-JIS: neither UTF-8 nor plausible Windows-1252 (UTF-16 and Windows-1252 exports load)
        path.write_bytes("Id,Name,Website\n001A,株式会社テスト,test.jp\n001B,Müller AG,mueller.de\n".encode("shift_jis", "replace"))
        return path
    if kind == "renamed column":
        return write_text(folder / "Account.csv", "Id,Company,Website\n001A,Acme,acme.com\n")
    if kind == "empty":
        return write_text(folder / "Account.csv", "")
    if kind == "header only":
        return write_text(folder / "Account.csv", "Id,Name,Website\n")
    if kind == "gzip that is not gzip":
        return write_text(folder / "Account.csv.gz", GOOD)
    raise ValueError(kind)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("truncated", "could not be parsed"),
        ("wrong delimiter", "Expected Number of Columns: 3"),
        ("wrong encoding", "cannot be read"),
        ("renamed column", "is missing: Name/name (account_name)"),
        ("empty", "the file is empty"),
        ("header only", "has a header but no data rows"),
        ("gzip that is not gzip", "cannot be read"),
    ],
)
def test_a_bad_file_is_rejected_naming_it_and_the_loaded_export_stays(data_dir, kind, problem):
    folder = paths().landing / "crm_accounts" / DAY.isoformat()
    write_text(folder / "Account.csv", GOOD)
    load_export(paths(), "crm_accounts", DAY, None)
    before = tree_digest(paths().raw)

    (folder / "Account.csv").unlink()
    path = bad_file(kind, folder)
    with pytest.raises(ExportRejected) as error:
        load_export(paths(), "crm_accounts", DAY, None)
    assert path.name in str(error.value) and problem in str(error.value), str(error.value)
    assert tree_digest(paths().raw) == before

    path.unlink()
    write_text(folder / "Account.csv", GOOD.replace("Globex", "Globex Corp"))
    results, errors = load_pending(paths(), "crm_accounts", DAY, None)
    assert not errors and results[0].rows == 2


def test_a_bad_file_fails_the_run_loudly_and_publishes_nothing(published_yesterday):
    published_before = published_state()
    folder = paths().landing / "crm_contacts" / SAMPLE_END.isoformat()
    write_text(folder / "extra_contacts.csv", "Contact Identifier;Mail\n1;a@b.c\n")
    result = run_job(SAMPLE_END)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "raw__crm_contacts"
    assert "extra_contacts.csv: the header matches no crm_contacts mapping" in failure.step_failure_data.user_failure_data.description
    assert published_state() == published_before
    (folder / "extra_contacts.csv").unlink()
    assert_recovers()


def test_the_same_export_delivered_twice_changes_nothing(data_dir):
    folder = paths().landing / "crm_accounts" / DAY.isoformat()
    path = write_text(folder / "Account.csv.gz", "")
    with gzip.open(path, "wt") as out:
        out.write(GOOD)
    load_export(paths(), "crm_accounts", DAY, None)
    before = tree_digest(paths().raw / "crm_accounts")
    content, delivered = path.read_bytes(), path.stat().st_mtime_ns
    path.unlink()
    path.write_bytes(content)  # delivered again: same bytes, a new file, a later time
    os.utime(path, ns=(delivered + 1_000_000, delivered + 1_000_000))
    result = load_export(paths(), "crm_accounts", DAY, None)
    assert not result.skipped and result.rows == 2
    assert tree_digest(paths().raw / "crm_accounts") == before


def test_one_run_at_a_time_and_a_killed_run_never_blocks_the_queue(published_yesterday):
    from dagster import DagsterInstance, DagsterRunStatus, Failure, build_sensor_context

    from dagster_project.runs import ensure_free
    from dagster_project.schedules.sensors import dead_run_sweeper

    published_before = published_state()
    redeliver(SAMPLE_END)  # an export to load, so that the run pauses in ingest
    first = start_run(SAMPLE_END, pause_at="ingest")
    wait_for(lambda: (paths().data_dir / ".paused-at-ingest").exists(), "the first run to reach ingest")

    # A second CLI run is refused at once, naming the first; a daemon run's step refuses to write.
    second = subprocess.run([ABM, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=300)
    assert second.returncode == 3, second.stderr
    assert "another run is working in" in second.stderr and f"pid {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    with pytest.raises(Failure, match="another run is working in"):
        ensure_free(paths().data_dir)

    # Killed, the first run stays STARTED in Dagster's storage until the sweeper marks it failed.
    kill(first)
    (paths().data_dir / ".paused-at-ingest").unlink()
    with DagsterInstance.get() as instance:
        (stuck,) = [r for r in instance.get_runs() if r.status == DagsterRunStatus.STARTED]
        dead_run_sweeper(build_sensor_context(instance=instance))
        assert instance.get_run_by_id(stuck.run_id).status == DagsterRunStatus.FAILURE
    assert published_state() == published_before
    assert_recovers()  # the kernel released the dead run's lock


def test_every_writer_takes_the_run_lock_and_the_run_holding_it_still_publishes(published_yesterday):
    redeliver(SAMPLE_END)
    run = start_run(SAMPLE_END, pause_at="ingest")
    paused = paths().data_dir / ".paused-at-ingest"
    wait_for(paused.exists, "the run to reach ingest")
    for command in (
        ["dbt", "--", "build"],
        ["whatif", "--config", "config/scoring.yml"],
        ["quarantine", "crm_accounts", "2026-11-19", "--reason", "x"],
    ):
        refused = subprocess.run([ABM, *command], capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
        assert refused.returncode == 3 and "another run is working in" in refused.stderr, (command, refused.stderr)
        assert f"pid {run.pid}" in refused.stderr and "Traceback" not in refused.stderr
    paused.unlink()  # the run goes on
    assert run.wait(timeout=600) == 0
    import duckdb

    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        assert con.execute("select max(as_of_date) from account_tiers").fetchone()[0] == SAMPLE_END


def test_a_quarantined_export_lets_later_runs_use_the_one_before_until_it_is_released(published_yesterday):
    folder = paths().landing / "crm_contacts" / SAMPLE_END.isoformat()
    write_text(folder / "extra_contacts.csv", "Contact Identifier;Mail\n1;a@b.c\n")
    assert not run_job(SAMPLE_END).success  # the broken export blocks the date

    day = SAMPLE_END.isoformat()
    refused = subprocess.run([ABM, "quarantine", "crm_contacts", day], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 3 and "--reason" in refused.stderr
    done = subprocess.run(
        [ABM, "quarantine", "crm_contacts", day, "--reason", "CRM export cut off mid-file"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = run_job(SAMPLE_END)
    assert result.success
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "raw_crm_contacts_suite"]
    assert check.metadata["export_date"].value == PREVIOUS_DAY.isoformat()  # the export before it
    report = (paths().reports / "data_quality_latest.html").read_text()
    assert "Exports set aside" in report and "CRM export cut off mid-file" in report

    released = subprocess.run([ABM, "quarantine", "crm_contacts", day, "--release"], capture_output=True, text=True, timeout=120)
    assert released.returncode == 0, released.stderr
    assert not run_job(SAMPLE_END).success  # back in, and still broken


@pytest.fixture()
def small_disk(tmp_path):
    """A 64 MB file system of its own (tmpfs), mounted for the test: root only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


# 3 MB free: Dagster's own SQLite storage is the first to fail; 9 MB: dbt's warehouse.
@pytest.mark.slow
@pytest.mark.parametrize("left_free", [3_000_000, 9_000_000])
def test_a_full_disk_says_so_in_one_line_and_the_next_run_recovers(small_disk, monkeypatch, left_free):
    import shutil as disk_tools

    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    data = small_disk / "data"
    monkeypatch.setenv("ABM_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    subprocess.run([ABM, "generate", "--accounts", "100", "--days", "3", "--end", SAMPLE_END.isoformat()], check=True, capture_output=True)
    ballast = small_disk / "ballast"
    with open(ballast, "wb") as out:
        out.write(b"\0" * (disk_tools.disk_usage(small_disk).free - left_free))

    full = subprocess.run([ABM, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=600)
    assert full.returncode == 1, full.stderr
    said = [line for line in full.stderr.splitlines() if "is full" in line]
    assert said and f"the disk holding {data} is full (" in said[0] and " MB free)" in said[0], full.stderr
    assert "Traceback" not in full.stderr and len(full.stderr.splitlines()) < 15, full.stderr

    ballast.unlink()
    again = subprocess.run([ABM, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    with DagsterInstance.get() as instance:
        unfinished = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
        assert not instance.get_runs(RunsFilter(statuses=unfinished))
    # the failed run kept its dbt.log at most, not its manifest and compiled SQL
    assert len(list((data / "dbt_target").glob("run-*/manifest.json"))) == 1
