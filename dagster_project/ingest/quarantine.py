"""Set a bad export aside so that later dates run on the last good one, and take it back.

A quarantined export is recorded in quarantine/<source>/<date>.json (reason, when) and its landing
folder is no longer listed: ingest, the sensors and the freshness rules skip it, and the raw checks
and dbt read the export before it (within the freshness limits). Its raw partition, if it had loaded,
moves to raw/_quarantine/ and out of dbt's reach. Releasing it deletes the record and that copy; the
next run loads the export from landing again (and fails again if it is still bad).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.settings import Paths


class QuarantineError(ValueError):
    pass


def record_path(paths: Paths, source: str, day: dt.date) -> Path:
    return paths.data_dir / "quarantine" / source / f"{day.isoformat()}.json"


def quarantined(paths: Paths, source: str) -> dict[dt.date, dict]:
    """The quarantined exports of a source: date -> record."""
    folder = paths.data_dir / "quarantine" / source
    records = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        records[dt.date.fromisoformat(path.stem)] = json.loads(path.read_text())
    return records


def quarantine(paths: Paths, source: str, day: dt.date, reason: str) -> Path:
    _check(paths, source, day)
    if not reason.strip():
        raise QuarantineError("say why the export is set aside (--reason), so the next person knows")
    record = record_path(paths, source, day)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(
        json.dumps(
            {
                "source": source,
                "export_date": day.isoformat(),
                "reason": reason,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=1,
        )
    )
    from dagster_project.ingest.loader import manifest_path, partition_dir  # the loader lists through this module

    loaded = partition_dir(paths.raw, source, day)
    if loaded.exists():
        aside = partition_dir(paths.raw / "_quarantine", source, day)
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(aside, ignore_errors=True)
        loaded.rename(aside)
    manifest_path(paths, source, day).unlink(missing_ok=True)
    return record


def release(paths: Paths, source: str, day: dt.date) -> None:
    record = record_path(paths, source, day)
    if not record.exists():
        raise QuarantineError(f"no {source} export of {day} is quarantined")
    from dagster_project.ingest.loader import partition_dir

    shutil.rmtree(partition_dir(paths.raw / "_quarantine", source, day), ignore_errors=True)
    record.unlink()


def _check(paths: Paths, source: str, day: dt.date) -> None:
    if source not in SCHEMAS:
        raise QuarantineError(f"unknown source {source!r}; the sources are {', '.join(SCHEMAS)}")
    if not (paths.landing / source / day.isoformat()).is_dir():
        raise QuarantineError(f"no {source} export landed for {day} ({paths.landing / source / day.isoformat()})")
