"""Where the fixed cost of a nightly run goes: the run on a tiny sample, split into its parts.

    python bench/overhead.py [--accounts 100] [--runs 3] [--work DIR]

Generates the sample, makes the first run (which parses the dbt project in full), then times
`--runs` nightly runs on the following dates, as subprocesses, and reports the median of each part:
the whole command; the start-up before Dagster's first step (imports, the instance, the plan); each
stage's steps (ingest, dbt, checks, publish); what is left (events between and after the steps, the
command's own output); and inside the dbt step, dbt's own node count and summed node time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.run import BIN, END, generate, run_measured, workspace  # noqa: E402


def timed_run(env: dict[str, str], day: dt.date) -> dict[str, float]:
    started = time.time()
    seconds, _, _ = run_measured([str(BIN / "abm"), "run", "--date", day.isoformat()], env)
    from dagster import DagsterInstance

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
        events = len(instance.all_logs(run.run_id))
    parts = {"whole": seconds, "start-up": min(s.start_time for s in steps) - started, "events": events}
    for step in steps:
        stage = _stage(step.step_key)
        parts[stage] = parts.get(stage, 0.0) + step.end_time - step.start_time
    parts["rest"] = seconds - sum(v for k, v in parts.items() if k not in ("whole", "events"))
    parts.update(_dbt_nodes(Path(env["ABM_DATA_DIR"])))
    return parts


def _stage(step_key: str) -> str:
    if step_key == "abm_dbt_models":
        return "dbt"
    if step_key.endswith(("_suite", "_gate")):
        return "checks"
    return "ingest" if step_key.startswith("raw__") else "publish"


def _dbt_nodes(data_dir: Path) -> dict[str, float]:
    results = sorted((data_dir / "dbt_target").glob("run-*/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not results:
        return {}
    nodes = json.loads(results[-1].read_text())
    return {"dbt nodes": len(nodes["results"]), "dbt node time": sum(r["execution_time"] for r in nodes["results"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder)")
    args = parser.parse_args()
    env = workspace(Path(args.work or tempfile.mkdtemp(prefix="abm-overhead-")), "overhead")
    env["ABM_MAX_UNREACHABLE_TIER_1_SHARE"] = "1"  # a tiny sample's one unreachable tier 1 account must not block
    generate(env, args.accounts, args.runs + 1, 5)
    first = timed_run(env, END - dt.timedelta(days=args.runs))
    runs = [timed_run(env, END - dt.timedelta(days=n)) for n in range(args.runs - 1, -1, -1)]
    print(f"\nNightly run on {args.accounts} accounts, median of {args.runs} runs (first run, full dbt parse: {first['whole']:.1f} s)")
    print("| part | seconds |\n| --- | ---: |")
    for part in runs[0]:
        values = [run.get(part, 0.0) for run in runs]
        print(f"| {part} | {statistics.median(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
