"""What a CLI run shows while it works: one line per finished step, with the counts that matter."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from dagster import DagsterEventType, DagsterInstance

SHOWN = (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE, DagsterEventType.ASSET_MATERIALIZATION)


class Progress(threading.Thread):
    """Reads the run's events from the instance as they are stored and prints each finished step."""

    def __init__(self, instance: DagsterInstance, run_id: str, out: TextIO, interval: float = 0.5):
        super().__init__(daemon=True)
        self.instance, self.run_id, self.out, self.interval = instance, run_id, out, interval
        self.seen = 0
        self.assets: set[str] = set()  # a backfill materializes each asset once per date: shown once
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.show_new()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.show_new()

    def show_new(self) -> None:
        entries = self.instance.all_logs(self.run_id, of_type=set(SHOWN))
        for entry in entries[self.seen :]:
            line = self.describe(entry.dagster_event)
            if line:
                print(f"  {time.strftime('%H:%M:%S')}  {line}", file=self.out, flush=True)
        self.seen = len(entries)

    def describe(self, event) -> str | None:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            asset = materialization.asset_key.to_user_string()
            if asset in self.assets:
                return None
            self.assets.add(asset)
            return loaded_line(asset, materialization.metadata)
        if event.event_type == DagsterEventType.STEP_FAILURE:
            return f"{event.step_key} FAILED"
        if event.step_key == "abm_dbt_models":
            models = sum(1 for asset in self.assets if not asset.startswith("raw/"))
            return f"scored: {models} dbt models built and tested"
        return f"{event.step_key} done" if not event.step_key.startswith("raw__") else None


def loaded_line(asset: str, metadata) -> str | None:
    """An ingest asset's rows in one line, with its rejected rows and where they are kept."""
    rows = metadata.get("rows_loaded")
    if rows is None:
        return None
    rejected = metadata.get("rows_rejected")
    if rejected is not None and rejected.value:
        return f"{asset}: {rows.value:,} rows loaded, {rejected.value:,} rejected: {metadata['rejects_in'].value}"
    return f"{asset}: {rows.value:,} rows loaded" if rows.value else f"{asset}: nothing new to load"
