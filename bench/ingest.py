"""Time the ingest stage alone: every export of a landing folder loaded into a fresh raw layer.

    python bench/ingest.py --accounts 1000000 --intent-topics 57 [--days 1] [--landing DIR] [--keep]

Generates the sample exports into --landing unless it already holds exports (so that two versions
of the loader can be timed on the same files, one after the other), then loads every source in
turn, as the pipeline's ingest assets do, and prints seconds and rows per source, the total, and
the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

END = dt.date(2026, 10, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--contacts-per-account", type=int, default=5)
    parser.add_argument("--intent-topics", type=int, default=8)
    parser.add_argument("--landing", type=Path, help="exports to load (generated here if empty)")
    parser.add_argument("--keep", action="store_true", help="keep the raw layer written")
    args = parser.parse_args()

    from dagster_project.sample_data.generator import SampleSpec, generate

    landing = args.landing or Path(tempfile.mkdtemp(prefix="abm-ingest-landing-"))
    if not landing.exists() or not any(landing.iterdir()):
        started = time.perf_counter()
        spec = SampleSpec(
            accounts=args.accounts,
            days=args.days,
            seed=42,
            end_date=END,
            contacts_per_account=args.contacts_per_account,
            intent_topics=args.intent_topics,
        )
        generate(spec, landing)
        print(f"generated in {time.perf_counter() - started:.1f} s into {landing}")

    data = Path(tempfile.mkdtemp(prefix="abm-ingest-data-"))
    (data / "landing").symlink_to(landing.resolve())
    os.environ["ABM_DATA_DIR"] = str(data)
    from dagster_project.ingest.loader import load_pending
    from dagster_project.ingest.schemas import SCHEMAS
    from dagster_project.settings import paths

    total = 0.0
    for source in SCHEMAS:
        started = time.perf_counter()
        results, errors = load_pending(paths(), source, END, None)
        seconds = time.perf_counter() - started
        total += seconds
        rows = sum(r.rows for r in results)
        print(f"{source:<20} {seconds:7.1f} s {rows:>12,} rows" + (f"  ERRORS: {errors}" if errors else ""))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{'ingest':<20} {total:7.1f} s   peak {peak:.2f} GiB")
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
