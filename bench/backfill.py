"""Benchmark a backfill against one nightly run of the same size: the cost of a backfilled date.

    python bench/backfill.py --accounts 100000 --days 30 [--intent-topics 8] [--work DIR] [--json FILE]

Generates the sample (every source, as `abm generate` writes it) with one day more than the backfill
in a fresh data folder. `abm backfill` runs the window in one run (ingest of every export, one dbt
build of every date, the checks, the publish); then the next date runs as the nightly run does
(`abm run`): a steady night with the backfilled history behind it. Both are subprocesses with the
resident memory of their process tree sampled every 0.2 s (the run and its dbt child), so the
figures are:

- the backfill's seconds per date against the nightly run (the ratio the target is set on);
- the peak memory of each (the whole tree, and its largest single process);
- the data folder's disk use after the backfill, by folder;
- the dbt nodes that took longest in the backfill, per backfilled date, beside the same nodes in the
  nightly run (node time, whatever the two dbt threads overlap).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import END, abm_run, dbt_node_seconds, generate, gib, keep_a_previous_nights_parse, workspace  # noqa: E402

SLOWEST_NODES = 12


def disk_use(data_dir: Path) -> dict[str, int]:
    """Bytes under each of the data folder's parts, and in all (hard links counted once)."""
    seen: set[int] = set()
    by_part: dict[str, int] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        if stat.st_ino in seen:
            continue
        seen.add(stat.st_ino)
        part = path.relative_to(data_dir).parts[0]
        by_part[part] = by_part.get(part, 0) + stat.st_blocks * 512
    return {"total": sum(by_part.values()), **dict(sorted(by_part.items(), key=lambda item: -item[1]))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30, help="dates in the backfill (and days of exports)")
    parser.add_argument("--contacts-per-account", type=int, default=5)
    parser.add_argument("--intent-topics", type=int, default=8)
    parser.add_argument("--work", help="folder for the data folders (default: a temporary one)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    root = Path(args.work or tempfile.mkdtemp(prefix="abm-bench-backfill-"))
    last = END - dt.timedelta(days=1)
    first = END - dt.timedelta(days=args.days)
    print(f"Generating {args.accounts:,} accounts x {args.days + 1} days in {root} ...", flush=True)
    env = workspace(root, "backfill")
    generate(env, args.accounts, args.days + 1, args.contacts_per_account, args.intent_topics)
    keep_a_previous_nights_parse(env)

    print(f"Backfill {first} .. {last} as one run ...", flush=True)
    backfill = abm_run(env, "backfill", "--start", first.isoformat(), "--end", last.isoformat())
    disk = disk_use(Path(env["ABM_DATA_DIR"]))
    backfill_nodes = dbt_node_seconds(Path(env["ABM_DATA_DIR"]))
    print(f"The nightly run of {END} ...", flush=True)
    nightly = abm_run(env, "run", "--date", END.isoformat())
    nightly_nodes = dbt_node_seconds(Path(env["ABM_DATA_DIR"]))

    per_date = backfill["total"] / args.days
    figures = {
        "accounts": args.accounts,
        "days": args.days,
        "backfill_s": backfill["total"],
        "backfill_per_date_s": per_date,
        "nightly_s": nightly["total"],
        "per_date_ratio": per_date / nightly["total"],
        "backfill_peak": backfill["total_peak"],
        "backfill_largest_process": backfill["largest_process"],
        "nightly_peak": nightly["total_peak"],
        "nightly_largest_process": nightly["largest_process"],
        "backfill_stages_s": {stage: backfill.get(stage) for stage in ("ingest", "dbt", "checks", "publish")},
        "nightly_stages_s": {stage: nightly.get(stage) for stage in ("ingest", "dbt", "checks", "publish")},
        "disk_bytes": disk,
        "slowest_nodes": [
            {"node": name, "backfill_s": seconds, "nightly_s": nightly_nodes.get(name)}
            for name, seconds in sorted(backfill_nodes.items(), key=lambda item: -item[1])[:SLOWEST_NODES]
        ],
    }
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    report(figures)
    return 0


def report(f: dict) -> None:
    stages = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in f["backfill_stages_s"].items() if seconds is not None)
    nightly = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in f["nightly_stages_s"].items() if seconds is not None)
    print(f"\n{f['accounts']:,} accounts x {f['days']} dates")
    print(f"  backfill       {f['backfill_s']:8.1f} s ({stages} s), {f['backfill_per_date_s']:.2f} s a date")
    print(f"  nightly run    {f['nightly_s']:8.1f} s ({nightly} s)")
    print(f"  a backfilled date costs {f['per_date_ratio']:.3f}x a nightly run (target: at most 0.15x)")
    print(f"  peak memory    backfill {gib(f['backfill_peak'])} (largest process {gib(f['backfill_largest_process'])}),")
    print(f"                 nightly {gib(f['nightly_peak'])} (largest process {gib(f['nightly_largest_process'])})")
    parts = ", ".join(f"{part} {gib(size)}" for part, size in f["disk_bytes"].items() if part != "total")
    print(f"  disk after the backfill {gib(f['disk_bytes']['total'])}: {parts}")
    print("  slowest dbt nodes    backfill s   a date   nightly s")
    for node in f["slowest_nodes"]:
        nightly_s = "n/a" if node["nightly_s"] is None else f"{node['nightly_s']:.1f}"
        print(f"    {node['node'][:40]:40} {node['backfill_s']:8.1f} {node['backfill_s'] / f['days']:8.2f} {nightly_s:>11}")


if __name__ == "__main__":
    raise SystemExit(main())
