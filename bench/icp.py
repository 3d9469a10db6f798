"""Benchmark ICP discovery (`abm icp`'s dbt build) at a size, on deals that can be described.

    python bench/icp.py --accounts 1000000 --days 21 [--work DIR]

Discovery reads the account, technographic, intent, activity and opportunity exports, so only those
are generated (contacts and verifications are what make a million-account sample big) and loaded:
the account and technographic exports of every seventh day (a deal is described by the latest one
on or before its creation; the generator writes technographics weekly), every intent and activity
export, and the last opportunity export. The models discovery reads are built first, untimed (the
nightly run builds them); then the discovery build is timed with the peak memory of dbt.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import BENCH_PII_SECRET, END, gib, run_measured  # noqa: E402

SOURCES = ("crm_accounts", "crm_opportunities", "crm_activities", "technographics", "intent")
PREREQUISITES = "+int_opportunities_latest stg_crm__accounts stg_technographics__detections stg_intent__signals stg_crm__activities"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder)")
    args = parser.parse_args()
    data = Path(args.work or tempfile.mkdtemp(prefix="abm-icp-bench-")) / "icp"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    os.environ.update(ABM_DATA_DIR=str(data), ABM_PII_SECRET=os.environ.get("ABM_PII_SECRET") or BENCH_PII_SECRET)

    from dagster_project.ingest.loader import load_export
    from dagster_project.sample_data.generator import SampleSpec, generate
    from dagster_project.settings import Paths, mappings_file_path

    spec = SampleSpec(accounts=args.accounts, days=args.days, end_date=END, intent_topics=8)
    started = time.perf_counter()
    generate(spec, data / "landing", sources=SOURCES)
    print(f"generated {args.accounts:,} accounts x {args.days} days in {time.perf_counter() - started:.0f}s", flush=True)
    started = time.perf_counter()
    locations = Paths(data)
    for k, day in enumerate(spec.export_dates):
        loads = ["crm_activities", "intent"] + (["crm_accounts", "technographics"] if k % 7 == 0 else [])
        for source in loads + (["crm_opportunities"] if day == END else []):
            load_export(locations, source, day, mappings_file_path())
    print(f"loaded in {time.perf_counter() - started:.0f}s", flush=True)
    abm = str(Path(sys.executable).with_name("abm"))
    dbt = [abm, "dbt", "--date", END.isoformat(), "--", "build", "--target-path", str(data / "dbt_target")]
    prepared = subprocess.run(
        [*dbt, "--select", *PREREQUISITES.split(), "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
        capture_output=True,
        text=True,
    )
    assert prepared.returncode == 0, prepared.stdout[-3000:]
    seconds, sampler, _ = run_measured([*dbt, "--select", "tag:discovery", "--exclude-resource-type", "unit_test"], dict(os.environ))
    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        listed = con.execute("select count(*) from int_opportunities_latest").fetchone()[0]
        closed, described = con.execute("select count(*), count(described_as_of) from int_opportunity_accounts_as_of").fetchone()
        values = con.execute("select count(*) from icp_attribute_lift").fetchone()[0]
    print(
        f"\nICP discovery, {args.accounts:,} accounts x {args.days} days, {os.cpu_count()} cores: {listed:,} opportunities, "
        f"{closed:,} closed in the look-back, {described:,} described as of creation, {values:,} attribute values\n"
        f"dbt build of the discovery models and their tests: {seconds:.1f} s, peak {gib(sampler.peak())} "
        f"(as of {END}; `abm icp` adds Dagster's start-up, about 5 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
