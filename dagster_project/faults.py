"""Fault-injection points for the fault tests: ABM_PAUSE_AT=<name> parks the process at that point.

The test then kills the process (SIGKILL) there, at the most dangerous moment of a step (files
written but not yet swapped in), or lets it go on by removing the marker file. Without the
variable these are no-ops.
"""

from __future__ import annotations

import os
import time

from dagster_project.settings import paths


def pause_point(name: str) -> None:
    if os.environ.get("ABM_PAUSE_AT") != name:
        return
    marker = paths().data_dir / f".paused-at-{name}"
    marker.write_text(str(os.getpid()))
    deadline = time.monotonic() + 600
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
