"""Screenshots of the tier report and the data-quality report for the README: `make screenshots`.

Renders the reports of the data folder (after `make demo`) in headless Chromium, offline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_project.quality.report import latest_report
from dagster_project.settings import paths

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--proxy-server=127.0.0.1:9"]


def shoot(page: Path, target: Path, height: int) -> None:
    if not page.exists():
        sys.exit(f"{page} does not exist: run `make demo` first")
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--screenshot={target}", f"--window-size=1180,{height}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    print(f"{target} ({target.stat().st_size // 1024} KB)")


def main() -> None:
    SHOTS.mkdir(exist_ok=True)
    shoot(paths().published / "tier_report.html", SHOTS / "tier_report.png", 2200)
    shoot(latest_report(paths().reports), SHOTS / "data_quality.png", 1200)


if __name__ == "__main__":
    main()
