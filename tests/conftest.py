"""Shared fixtures: an isolated data folder and Dagster instance per test session, and a small sample."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from dagster_project.ingest.loader import load_pending
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.sample_data.generator import SampleSpec, generate
from dagster_project.settings import Paths, mappings_file_path

SAMPLE_END = dt.date(2026, 11, 20)
PREVIOUS_DAY = SAMPLE_END - dt.timedelta(days=1)
SAMPLE_SPEC = SampleSpec(accounts=400, days=21, seed=7, end_date=SAMPLE_END)


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    """A small generated sample, written once per session; tests copy it."""
    out = tmp_path_factory.mktemp("sample") / "landing"
    generate(SAMPLE_SPEC, out)
    return out


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty ABM_DATA_DIR and Dagster instance of the test's own."""
    folder = tmp_path / "data"
    (folder / "dagster_home").mkdir(parents=True)
    monkeypatch.setenv("ABM_DATA_DIR", str(folder))
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    return folder


@pytest.fixture(scope="session")
def sample_loaded(tmp_path_factory, sample_landing) -> Path:
    """The sample's exports and their loaded raw/ Parquet, loaded once per session. A run on a copy
    loads nothing again (the files' fingerprints match) unless its test changes an export."""
    folder = tmp_path_factory.mktemp("loaded") / "data"
    shutil.copytree(sample_landing, folder / "landing")
    for source in SCHEMAS:
        _, errors = load_pending(Paths(folder), source, SAMPLE_END, mappings_file_path())
        assert not errors, errors
    return folder


@pytest.fixture()
def landed(data_dir, sample_loaded) -> Path:
    """The data folder with the sample exports in landing/, already loaded into raw/."""
    for part in ("landing", "raw"):
        shutil.copytree(sample_loaded / part, data_dir / part)
    return data_dir


@pytest.fixture(scope="session")
def sample_published_yesterday(tmp_path_factory, sample_loaded) -> Path:
    """A data folder with the sample loaded and the tiers of the day before its last published, built
    once per session: most tests of runs start from there, and a run costs ~15 s."""
    from dagster_project.cli import run_job

    folder = tmp_path_factory.mktemp("published") / "data"
    shutil.copytree(sample_loaded, folder, symlinks=True)
    (folder / "dagster_home").mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ABM_DATA_DIR", str(folder))
        env.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
        assert run_job(PREVIOUS_DAY).success
    return folder


@pytest.fixture()
def published_yesterday(data_dir, sample_published_yesterday) -> Path:
    """The data folder (exports, raw data, warehouse, Dagster instance) after a run of PREVIOUS_DAY."""
    shutil.copytree(sample_published_yesterday, data_dir, symlinks=True, dirs_exist_ok=True)
    return data_dir


def wait_for(condition, what: str, timeout: float = 300) -> None:
    """Wait on a condition, never a fixed time: polls until it holds, or fails naming what it waited for."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture(autouse=True)
def _quiet_gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


# Tests switch data folders after the definitions are loaded: the partitions start on a fixed date.
os.environ.setdefault("ABM_START_DATE", "2025-01-01")
# Runs refuse to publish e-mail hashes without a key; the tests have their own, set before any fixture
# (module-scoped pipeline runs included) starts.
os.environ.setdefault("ABM_PII_SECRET", "test-key-not-for-production-0123456789")


class Webhook:
    """A local HTTP endpoint that records the JSON posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture()
def webhook(monkeypatch):
    hook = Webhook()
    monkeypatch.setenv("ABM_ALERT_WEBHOOK_URL", hook.url)
    yield hook
    hook.close()


PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    bin_dir: Path

    def create_database(self, name: str) -> str:
        """A database of the server, as a URL (trust authentication: no password)."""
        command = [str(self.bin_dir / "createdb"), "-h", self.host, "-p", str(self.port), "-U", self.user, name]
        subprocess.run(as_postgres(*command), check=True, capture_output=True)
        return f"postgresql://{self.user}@{self.host}:{self.port}/{name}"

    def psql(self, database: str, sql: str, user: str | None = None) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / "psql"), "-h", self.host, "-p", str(self.port), "-U", user or self.user, "-d", database]
        return subprocess.run(as_postgres(*command, "-v", "ON_ERROR_STOP=1", "-Atc", sql), capture_output=True, text=True)


@pytest.fixture()
def postgres_server():
    """A PostgreSQL server of the test's own, from Debian's package (.ci/run installs it)."""
    if not PG_BIN:
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs Debian's postgresql)")
    bin_dir = Path(PG_BIN[-1])
    # Outside pytest's private tmp tree, which the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="abm-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.run(as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust"), check=True, capture_output=True)
    subprocess.run(
        as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o", f"-p {port} -h 127.0.0.1 -k {sockets}", "start"
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield PostgresServer("127.0.0.1", port, "dagster", bin_dir)
    finally:
        subprocess.run(as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
