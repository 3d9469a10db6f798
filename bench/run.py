"""Benchmark the nightly pipeline against the fastest it could be, and how its cost grows.

    python bench/run.py --accounts 100000 [--contacts-per-account 5] [--days 30] [--repeats 3]

Every measurement runs the real pipeline (`abm`, through Dagster, dbt and GX) in a fresh data folder
as a subprocess, sampling the resident memory of the process and its children (dbt) every 0.2 s.
Reported in one run, so that ratios compare like with like on a noisy machine:

- generate, and the nightly run split into stages (ingest, dbt, checks, publish) from Dagster's
  step timings, with the peak memory in each stage's window;
- the reference: the same ingest and scoring in one DuckDB connection with no orchestration
  (a lean load of the same landing files, then the scoring SQL dbt compiles, run as one script),
  and the ratio pipeline / reference;
- the fixed overhead (the nightly run on 100 accounts);
- the incremental cost: day 60 of history against day 1;
- a 30-day backfill as one run against 30 separate nightly runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
END = dt.date(2026, 10, 31)
BENCH_PII_SECRET = "bench-key-for-sample-data-only-0123456789"
# The models account families and buying groups added (issue 16), measured with their data tests.
FAMILY_MODELS = (
    "int_account_parents_resolved",
    "int_account_ancestors_listed",
    "int_account_families_assigned",
    "int_account_buying_group_covered",
    "account_families",
)
sys.path.insert(0, str(REPO))


class MemorySampler:
    """Resident memory of a process tree over time (the pipeline and its dbt child)."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> tuple[int, int]:
        """The tree's resident memory in all, and its largest single process's."""
        parents, rss = {}, {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(proc.name)] = int(fields.get("PPid", "0").strip())
            rss[int(proc.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        tree, frontier = {self.pid}, {self.pid}
        while frontier:
            frontier = {p for p, parent in parents.items() if parent in frontier and p not in tree}
            tree |= frontier
        return sum(rss.get(p, 0) for p in tree), max((rss.get(p, 0) for p in tree), default=0)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.time(), *self._tree_rss()))
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0, end: float = float("inf")) -> int:
        return max((rss for t, rss, _ in self.samples if start <= t <= end), default=0)

    def largest_process(self) -> int:
        return max((largest for _, _, largest in self.samples), default=0)


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, MemorySampler, str]:
    started = time.time()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    sampler = MemorySampler(process.pid)
    output, _ = process.communicate()
    sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return time.time() - started, sampler, output


def workspace(root: Path, name: str, engine: str = "duckdb") -> dict[str, str]:
    data = root / name
    if data.exists():
        shutil.rmtree(data)
    (data / "dagster_home").mkdir(parents=True)
    return {
        **os.environ,
        "ABM_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "dagster_home"),
        "PYTHONWARNINGS": "ignore",
        "ABM_PII_SECRET": os.environ.get("ABM_PII_SECRET") or BENCH_PII_SECRET,
        "ABM_ENGINE": engine,
    }


def generate(env, accounts, days, contacts, intent_topics=8) -> tuple[float, int, dict[str, int]]:
    """Seconds, peak memory and rows written per source."""
    seconds, sampler, output = run_measured(
        [
            str(BIN / "abm"),
            "generate",
            "--accounts",
            str(accounts),
            "--days",
            str(days),
            "--contacts-per-account",
            str(contacts),
            "--intent-topics",
            str(intent_topics),
            "--end",
            END.isoformat(),
        ],
        env,
    )
    rows = {
        line.split()[0]: int(line.split()[1].replace(",", ""))
        for line in output.splitlines()
        if line.startswith("  ") and len(line.split()) == 2
    }
    return seconds, sampler.peak(), rows


def _seconds(history: dict, stage: str) -> str:
    """A stage's seconds on the first, middle and last day of the history measure."""
    values = (history.get(f"{day}_{stage}_s") for day in ("day_1", "day_30", "day_60"))
    return " / ".join("n/a" if value is None else f"{value:.1f}" for value in values) + " s"


def abm_run(env, *args) -> dict:
    """One `abm run`/`abm backfill`, with per-stage wall time and peak memory from Dagster's step stats."""
    seconds, sampler, output = run_measured([str(BIN / "abm"), *args], env)
    from dagster import DagsterInstance

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = instance.get_run_step_stats(run.run_id)
    stages = {"ingest": [], "dbt": [], "checks": [], "publish": []}
    for step in steps:
        key = step.step_key
        stage = (
            "dbt"
            if key == "abm_dbt_models"
            else "checks"
            if key.endswith(("_suite", "_gate"))
            else "ingest"
            if key.startswith("raw__")
            else "publish"
        )
        stages[stage].append((step.start_time, step.end_time))
    result = {
        "total": seconds,
        "total_peak": sampler.peak(),
        "largest_process": sampler.largest_process(),
        **family_node_seconds(Path(env["ABM_DATA_DIR"])),
    }
    for stage, windows in stages.items():
        if windows:
            result[stage] = sum(end - start for start, end in windows)
            result[f"{stage}_peak"] = max(sampler.peak(start, end) for start, end in windows)
    return result


def keep_a_previous_nights_parse(env) -> None:
    """A nightly run starts from the dbt parse the night before kept in its data folder; a fresh
    folder has none, so its first run parses the project in full (~4 s). Made here untimed, as the
    reference compiles its SQL untimed, so that the nightly run measured is the steady-state one."""
    from dagster_project.transform.resource import PARTIAL_PARSE_FILE

    target = Path(env["ABM_DATA_DIR"]) / "dbt_target"
    command = [str(BIN / "abm"), "dbt", "--date", END.isoformat(), "--", "parse", "--target-path", str(target), "--quiet"]
    subprocess.run(command, env=env, check=True, cwd=REPO)
    if not (target / PARTIAL_PARSE_FILE).exists():
        raise SystemExit(f"dbt parse left no {PARTIAL_PARSE_FILE} in {target}")


def assert_parse_reused(env) -> None:
    logs = sorted((Path(env["ABM_DATA_DIR"]) / "dbt_target").glob("run-*/dbt.log"), key=lambda path: path.stat().st_mtime)
    if not logs or "Unable to do partial parsing" in logs[-1].read_text():
        raise SystemExit("the nightly run parsed the dbt project in full: the kept parse was not reused")


def icp_run(env) -> dict:
    """`abm icp` on the nightly run's data folder: wall time, peak memory and the deals it weighed."""
    seconds, sampler, output = run_measured([str(BIN / "abm"), "icp"], env)
    import duckdb

    with duckdb.connect(str(Path(env["ABM_DATA_DIR"]) / "warehouse.duckdb"), read_only=True) as con:
        closed, described = con.execute("select count(*), count(described_as_of) from int_opportunity_accounts_as_of").fetchone()
        listed = con.execute("select count(*) from int_opportunities_latest").fetchone()[0]
    return {"total": seconds, "peak": sampler.peak(), "opportunities": listed, "closed": closed, "described": described}


def dbt_node_seconds(data_dir: Path) -> dict[str, float]:
    """Execution time of every dbt node of the data folder's latest run (dbt's run_results.json), by node name."""
    results = sorted((data_dir / "dbt_target").glob("run-*/run_results.json"), key=lambda path: path.stat().st_mtime)
    if not results:
        return {}
    return {node["unique_id"].split(".")[2]: node["execution_time"] for node in json.loads(results[-1].read_text())["results"]}


def family_node_seconds(data_dir: Path) -> dict[str, float]:
    """Execution time of every dbt node of the run, and of the family and buying-group models with
    their tests: their share of the dbt work, whatever the thread overlap."""
    nodes = dbt_node_seconds(data_dir)
    if not nodes:
        return {}
    family = [seconds for name, seconds in nodes.items() if any(model in name for model in FAMILY_MODELS)]
    return {"dbt_nodes_s": sum(nodes.values()), "dbt_family_nodes_s": sum(family)}


def reference(env, day: dt.date) -> tuple[float, int]:
    """The floor: the same ingest and scoring as one DuckDB script with no orchestration."""
    script = str(REPO / "bench" / "reference.py")
    subprocess.run([sys.executable, script, "--prepare", day.isoformat()], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    seconds, sampler, _ = run_measured([sys.executable, script, day.isoformat()], env)
    return seconds, sampler.peak()


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs if key in r)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts-per-account", type=int, default=5)
    parser.add_argument("--days", type=int, default=30, help="days of exports (intent history) for the main size")
    parser.add_argument(
        "--intent-topics", type=int, default=8, help="Bombora topics per weekly export (~0.35 M intent rows per topic per million accounts)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of the nightly job and reference; medians reported")
    parser.add_argument("--history-accounts", type=int, default=5000, help="size for the day-1 vs day-60 measure")
    parser.add_argument(
        "--history-days", type=int, default=60, help="days of history for that measure (its last day against its first and middle ones)"
    )
    parser.add_argument("--backfill-accounts", type=int, default=2000, help="size for the 30-day backfill measure")
    parser.add_argument(
        "--separate-runs",
        type=int,
        default=30,
        help="nightly runs actually timed for the comparison with the 30-day backfill "
        "(fewer than 30: the 30-run figure is their median x 30, reported as an estimate)",
    )
    parser.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="the engine of the pipeline's runs; the reference stays DuckDB"
    )
    parser.add_argument("--skip-growth", action="store_true", help="skip fixed overhead, history and backfill")
    parser.add_argument("--skip-backfill", action="store_true", help="skip the 30-day backfill against 30 nightly runs")
    parser.add_argument("--icp", action="store_true", help="also time `abm icp` (ICP discovery) after the first nightly run")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    root = Path(args.work or tempfile.mkdtemp(prefix="abm-bench-"))
    figures: dict[str, object] = {
        "accounts": args.accounts,
        "contacts_per_account": args.contacts_per_account,
        "days": args.days,
        "intent_topics": args.intent_topics,
        "engine": args.engine,
    }

    print(f"Generating {args.accounts:,} accounts x {args.days} days ...", flush=True)
    main_env = workspace(root, "main")
    figures["generate_s"], figures["generate_peak"], figures["rows"] = generate(
        main_env, args.accounts, args.days, args.contacts_per_account, args.intent_topics
    )
    landing = Path(main_env["ABM_DATA_DIR"]) / "landing"

    runs, refs = [], []
    for attempt in range(args.repeats):
        env = workspace(root, f"nightly-{attempt}", args.engine)
        shutil.copytree(landing, Path(env["ABM_DATA_DIR"]) / "landing")
        print(f"Nightly run {attempt + 1}/{args.repeats} ...", flush=True)
        keep_a_previous_nights_parse(env)
        runs.append(abm_run(env, "run", "--date", END.isoformat()))
        assert_parse_reused(env)
        if args.icp and attempt == 0:
            print("ICP discovery ...", flush=True)
            figures["icp"] = icp_run(env)
        ref_env = workspace(root, f"reference-{attempt}")
        shutil.copytree(landing, Path(ref_env["ABM_DATA_DIR"]) / "landing")
        print(f"Reference {attempt + 1}/{args.repeats} ...", flush=True)
        refs.append(dict(zip(("total", "total_peak"), reference(ref_env, END), strict=True)))
        shutil.rmtree(env["ABM_DATA_DIR"])
        shutil.rmtree(ref_env["ABM_DATA_DIR"])
    figures["nightly"] = {k: median_of(runs, k) for k in runs[0]}
    figures["reference"] = {k: median_of(refs, k) for k in refs[0]}
    figures["ratio"] = figures["nightly"]["total"] / figures["reference"]["total"]
    save(figures, args.json)

    if not args.skip_growth:
        print("Fixed overhead (100 accounts) ...", flush=True)
        env = workspace(root, "overhead")
        # 100 accounts have one or two tier 1 accounts: one unreachable one must not block this measure.
        env["ABM_MAX_UNREACHABLE_TIER_1_SHARE"] = "1"
        generate(env, 100, 4, args.contacts_per_account)
        # The first run in a data folder parses the dbt project in full; a nightly run reuses the last parse.
        figures["overhead_first_run_s"] = abm_run(env, "run", "--date", (END - dt.timedelta(days=3)).isoformat())["total"]
        figures["overhead_100_accounts_s"] = statistics.median(
            abm_run(env, "run", "--date", (END - dt.timedelta(days=n)).isoformat())["total"] for n in (2, 1, 0)
        )

        print(f"Day 1 vs day {args.history_days} ({args.history_accounts:,} accounts) ...", flush=True)
        env = workspace(root, "history")
        generate(env, args.history_accounts, args.history_days, args.contacts_per_account)
        first, middle, last = END - dt.timedelta(days=args.history_days - 1), END - dt.timedelta(days=args.history_days // 2), END
        day_1 = abm_run(env, "run", "--date", first.isoformat())
        # Day 1 scores one date; later runs score their date and the day before, reading the rest of
        # hysteresis's ~3-week look-back from ranks remembered by earlier runs; the middle day against
        # the last one is the growth with history alone.
        day = dt.timedelta(days=1)
        abm_run(env, "backfill", "--start", (first + day).isoformat(), "--end", (middle - day).isoformat())
        day_30 = abm_run(env, "run", "--date", middle.isoformat())
        abm_run(env, "backfill", "--start", (middle + day).isoformat(), "--end", (last - day).isoformat())
        day_60 = abm_run(env, "run", "--date", last.isoformat())
        named_days = (("day_1", day_1), ("day_30", day_30), ("day_60", day_60))
        figures["history"] = {
            "days": args.history_days,  # "day_30" is the middle day and "day_60" the last of these
            "day_1_s": day_1["total"],
            "day_30_s": day_30["total"],
            "day_60_s": day_60["total"],
            "ratio": day_60["total"] / day_1["total"],
            "ratio_to_day_30": day_60["total"] / day_30["total"],
            **{f"{name}_{stage}_s": run.get(stage) for name, run in named_days for stage in ("dbt", "publish")},
        }
        save(figures, args.json)

    if not (args.skip_growth or args.skip_backfill):
        print(f"30-day backfill vs 30 nightly runs ({args.backfill_accounts:,} accounts) ...", flush=True)
        env = workspace(root, "backfill")
        generate(env, args.backfill_accounts, 30, args.contacts_per_account)
        one = abm_run(env, "backfill", "--start", (END - dt.timedelta(days=29)).isoformat(), "--end", END.isoformat())
        env = workspace(root, "nightly-30")
        generate(env, args.backfill_accounts, 30, args.contacts_per_account)
        runs_timed = min(args.separate_runs, 30)
        abm_run(env, "run", "--date", (END - dt.timedelta(days=30 - runs_timed)).isoformat())  # loads the earlier exports once
        timed = [abm_run(env, "run", "--date", (END - dt.timedelta(days=n)).isoformat())["total"] for n in range(runs_timed - 1, -1, -1)]
        thirty = sum(timed) if runs_timed == 30 else statistics.median(timed) * 30
        figures["backfill_30_days"] = {
            "one_run_s": one["total"],
            "thirty_runs_s": thirty,
            "ratio": thirty / one["total"],
            "separate_runs_timed": runs_timed,
            "estimated": runs_timed < 30,
        }

    save(figures, args.json)
    report(figures)
    return 0


def save(figures: dict, path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps(figures, indent=2, default=str))


def report(f: dict) -> None:
    n, r = f["nightly"], f["reference"]
    print(
        f"\nAccounts {f['accounts']:,}, {f['contacts_per_account']} contacts/account, {f['days']} days of exports, "
        f"{f['intent_topics']} intent topics; engine {f.get('engine', 'duckdb')}; "
        f"{os.cpu_count()} cores"
    )
    print("rows generated: " + ", ".join(f"{source} {count:,}" for source, count in f["rows"].items()))
    print(f"{'stage':<22}{'wall s':>10}{'peak memory':>14}")
    print(f"{'generate':<22}{f['generate_s']:>10.1f}{gib(f['generate_peak']):>14}")
    for stage in ("ingest", "dbt", "checks", "publish"):
        if stage in n:
            print(f"{'  ' + stage:<22}{n[stage]:>10.1f}{gib(n[stage + '_peak']):>14}")
    if n.get("dbt_nodes_s"):
        share = n["dbt_family_nodes_s"] / n["dbt_nodes_s"]
        of_total = f"({share:.1%} of {n['dbt_nodes_s']:.1f} s of dbt node time)"
        print(f"{'    families, buying groups':<22}{n['dbt_family_nodes_s']:>10.1f}  {of_total}")
    print(f"{'nightly run (total)':<22}{n['total']:>10.1f}{gib(n['total_peak']):>14}")
    print(f"{'reference script':<22}{r['total']:>10.1f}{gib(r['total_peak']):>14}")
    print(f"{'pipeline / reference':<22}{f['ratio']:>10.2f}x")
    if "icp" in f:
        i = f["icp"]
        print(
            f"{'ICP discovery':<22}{i['total']:>10.1f}{gib(i['peak']):>14}  ({i['opportunities']:,} opportunities, "
            f"{i['closed']:,} closed in the look-back, {i['described']:,} described as of creation)"
        )
    if "overhead_100_accounts_s" in f:
        print(
            f"{'fixed overhead (100)':<22}{f['overhead_100_accounts_s']:>10.1f} s  (median of 3 nightly runs; "
            f"the first run in a new data folder: {f['overhead_first_run_s']:.1f} s)"
        )
        h = f["history"]
        last_day = h.get("days", 60)
        middle_day = last_day - last_day // 2
        print(
            f"{f'day 1 / {middle_day} / {last_day}':<22}{h['day_1_s']:>10.1f} / {h['day_30_s']:.1f} / {h['day_60_s']:.1f} s  "
            f"(day {last_day} = {h['ratio']:.2f}x day 1, {h['ratio_to_day_30']:.2f}x day {middle_day}; "
            f"dbt {_seconds(h, 'dbt')}, publish {_seconds(h, 'publish')})"
        )
    if "backfill_30_days" in f:
        b = f["backfill_30_days"]
        how = f"estimated from {b['separate_runs_timed']} timed runs" if b["estimated"] else "measured"
        print(
            f"{'30-day backfill':<22}{b['one_run_s']:>10.1f} s as one run, {b['thirty_runs_s']:.1f} s as 30 runs ({how}; {b['ratio']:.1f}x)"
        )


if __name__ == "__main__":
    sys.exit(main())
