"""How a run invokes dbt: dagster-dbt's resource, minus the start-up costs this project never uses.

Three costs, which together took the dbt step of a 100-account nightly run from 16.8 s to 8.6 s:
- `dbt --version` in a subprocess, to learn a version the pinned package already states;
- an in-process dbt adapter, which dagster-dbt only needs to fetch row counts or column metadata,
  and this project fetches neither;
- a full re-parse of the project on every run (~4 s): the parse dagster-dbt starts from was made in
  another folder, and the warehouse path is part of dbt's profile, so the profile hash differs.
  Each data folder keeps the parse of its own last run instead (the as-of dates stay out of it,
  see `dbt_args`).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
RUNS_KEPT = 5


class AbmDbtCliResource(DbtCliResource):
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - signature of the overridden method
        return None


@contextlib.contextmanager
def environment_of_subprocesses(variables: Mapping[str, str]) -> Iterator[None]:
    """Variables for the subprocesses started inside the block (dagster-dbt hands dbt a copy of this
    process's environment when it starts it); afterwards the environment is as it was."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_target_path(target_root: Path, run_id: str) -> Path:
    """A fresh folder for one run's dbt artifacts, seeded with the folder's last parse."""
    run_target = target_root / f"run-{run_id}"
    run_target.mkdir(parents=True, exist_ok=True)
    cached = target_root / PARTIAL_PARSE_FILE
    if cached.exists():
        shutil.copyfile(cached, run_target / PARTIAL_PARSE_FILE)
    return run_target


def keep_parse(target_root: Path, run_target: Path) -> None:
    """After a successful build: its parse becomes the next run's start; old run folders go."""
    parsed = run_target / PARTIAL_PARSE_FILE
    if parsed.exists():
        staged = target_root / f".{PARTIAL_PARSE_FILE}.tmp"
        shutil.copyfile(parsed, staged)
        os.replace(staged, target_root / PARTIAL_PARSE_FILE)
    _prune_runs(target_root)


def prune_failed_run(target_root: Path, run_target: Path) -> None:
    """After a failed build: only its dbt.log stays (what went wrong), not its manifest and compiled
    SQL (2-6 MB a run, and a full disk is one way to fail)."""
    for path in run_target.iterdir() if run_target.is_dir() else ():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name != "dbt.log":
            path.unlink(missing_ok=True)
    _prune_runs(target_root)


def _prune_runs(target_root: Path) -> None:
    runs = sorted((p for p in target_root.glob("run-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-RUNS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
