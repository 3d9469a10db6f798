"""Benchmark a what-if against a backfill of the same window, in one folder, one after the other.

    python bench/whatif.py --accounts 100000 --days 90 [--work DIR]

Generates the sample (every source, as `abm generate` writes it), backfills the whole window with
`abm backfill` (ingest, one dbt build, the checks, the publish), then replays the current rules over
the same window with `abm whatif` (a scratch warehouse, one dbt build of the window and the
comparison models). Both are timed whole, as subprocesses, with the peak resident memory of the
process tree. The current rules replayed must move no account; the script fails if one moves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import BIN, END, generate, gib, run_measured, workspace  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--contacts", type=int, default=5, help="contacts per account")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder)")
    args = parser.parse_args()
    env = workspace(Path(args.work or tempfile.mkdtemp(prefix="abm-whatif-bench-")), "whatif")
    seconds, _, rows = generate(env, args.accounts, args.days, args.contacts)
    print(f"generated {args.accounts:,} accounts x {args.days} days in {seconds:.0f} s ({sum(rows.values()):,} rows)", flush=True)

    start = END - dt.timedelta(days=args.days - 1)
    backfill, backfill_memory, _ = run_measured([str(BIN / "abm"), "backfill", "--start", start.isoformat(), "--end", END.isoformat()], env)
    print(f"abm backfill {start}..{END}: {backfill:.1f} s, peak {gib(backfill_memory.peak())}", flush=True)
    whatif, whatif_memory, output = run_measured([str(BIN / "abm"), "whatif", "--config", str(REPO / "config" / "scoring.yml")], env)
    moved = re.search(r"(\d[\d,]*) accounts? change tier", output)
    if moved is None or moved.group(1) != "0":
        raise SystemExit(f"the current rules replayed should move no account:\n{output[-3000:]}")
    print(
        f"\nWhat-if vs backfill, {args.accounts:,} accounts x {args.days} days ({start}..{END}):\n"
        f"| command | wall | peak memory |\n| --- | ---: | ---: |\n"
        f"| `abm backfill` | {backfill:.1f} s | {gib(backfill_memory.peak())} |\n"
        f"| `abm whatif` (current rules, same window) | {whatif:.1f} s ({whatif / backfill:.2f}x) | {gib(whatif_memory.peak())} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
