"""Measure the publish gate: false blocks on normal days and breakages caught, per book size.

    python bench/gate.py [--sizes 40 400 4000 40000] [--days 60] [--work DIR] [--json FILE]

For each size, in a fresh data folder: the generator's exports for `days` + 1 days, then one backfill
over the last `days` dates (every date judged against the day before, as a first backfill is). Normal
days: the dates on which any of the gate's rules (tier_movement_checks, the tier 1 cap) would block.

Then each breakage, in a copy of that folder: one export of the last date written wrong, as a tool or
a person breaks it, and `abm run` for that date. Caught: the run published nothing. With --first-run,
the same exports in a folder holding only that date (no day before to compare with).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, END, REPO, workspace  # noqa: E402


def _csv(folder: Path, column: str) -> Path:
    """The day's export as a plain CSV with the API header (the generator writes other layouts too)."""
    for path in sorted(folder.glob("*.csv")):
        if column in pd.read_csv(path, dtype=str, nrows=0).columns:
            return path
    raise SystemExit(f"{folder}: no plain CSV with a {column} column")


def _edit(folder: Path, column: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = _csv(folder, column)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def blank_industry(landing: Path, day: dt.date) -> None:
    _edit(landing / "crm_accounts" / day.isoformat(), "Id", lambda f: f.assign(Industry=""))


def rename_employees(landing: Path, day: dt.date) -> None:
    _edit(landing / "crm_accounts" / day.isoformat(), "Id", lambda f: f.rename(columns={"NumberOfEmployees": "Employee Count"}))


def half_delivered(landing: Path, day: dt.date) -> None:
    _edit(landing / "crm_accounts" / day.isoformat(), "Id", lambda f: f.iloc[: len(f) // 2])


def duplicated_file(landing: Path, day: dt.date) -> None:
    path = _csv(landing / "crm_accounts" / day.isoformat(), "Id")
    shutil.copyfile(path, path.with_name(path.stem + " (1).csv"))


def shifted_account_ids(landing: Path, day: dt.date) -> None:
    _edit(landing / "crm_accounts" / day.isoformat(), "Id", lambda f: f.assign(Id=list(f["Id"].iloc[1:]) + [f["Id"].iloc[0]]))


def shifted_contact_accounts(landing: Path, day: dt.date) -> None:
    def shift(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(AccountId=[frame["AccountId"].iloc[-1]] + list(frame["AccountId"].iloc[:-1]))

    _edit(landing / "crm_contacts" / day.isoformat(), "AccountId", shift)


def swapped_columns(landing: Path, day: dt.date) -> None:
    swap = {"Industry": "BillingCountry", "BillingCountry": "Industry"}
    _edit(landing / "crm_accounts" / day.isoformat(), "Id", lambda f: f.rename(columns=swap))


BREAKAGES = {
    "column blanked (accounts Industry)": blank_industry,
    "column renamed (accounts NumberOfEmployees)": rename_employees,
    "half-delivered export (accounts)": half_delivered,
    "duplicated file (accounts)": duplicated_file,
    "shifted ids (accounts Id one row down)": shifted_account_ids,
    "shifted ids (contacts AccountId one row down)": shifted_contact_accounts,
    "two columns swapped (Industry, BillingCountry)": swapped_columns,
}


def abm(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "abm"), *args], env=env, cwd=REPO, capture_output=True, text=True)


def caught_by(result: subprocess.CompletedProcess) -> str:
    """What stopped a run, from the CLI's failure lines: the checks that failed, or the step."""
    if result.returncode == 0:
        return ""
    lines = result.stderr.split("Warnings (")[0].splitlines()  # what blocked, not what only warned
    checks = [line.split()[1] for line in lines if line.startswith("  check ")]
    steps = [line.split()[1].rstrip(":") for line in lines if line.startswith("  step ")]
    return ", ".join(sorted(set(checks))) or ", ".join(sorted(set(steps))) or result.stderr.strip().splitlines()[-1][:120]


def plain_export_day(landing: Path, last: dt.date) -> dt.date:
    """The latest date whose account and contact exports are plain API CSVs, for the breakages."""
    day = last
    while day > last - dt.timedelta(days=14):
        try:
            _csv(landing / "crm_accounts" / day.isoformat(), "Id")
            _csv(landing / "crm_contacts" / day.isoformat(), "AccountId")
            return day
        except SystemExit:
            day -= dt.timedelta(days=1)
    raise SystemExit(f"no day with plain account and contact CSVs in the 14 days to {last}")


def normal_days(data: Path, start: dt.date, end: dt.date, tier_1_cap: int) -> dict:
    import duckdb

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        blocked = con.execute(
            """select as_of_date, string_agg(move || ' ' || moved || '/' || compared || ' > ' || move_limit, '; ')
               from tier_movement_checks where moved_beyond_limit > 0 and as_of_date between ? and ? group by 1 order by 1""",
            [start, end],
        ).fetchall()
        capped = con.execute(
            "select count(*) from tier_metrics where as_of_date between ? and ? and (tier_1_accounts > ? or accounts < 1)",
            [start, end, tier_1_cap],
        ).fetchone()[0]
        judged = con.execute("select count(distinct as_of_date) from tier_movement_checks where as_of_date between ? and ?", [start, end])
        judged = judged.fetchone()[0]
    return {"dates": (end - start).days + 1, "judged": judged, "false_blocks": len(blocked) + capped, "blocked": blocked}


def measure(size: int, days: int, root: Path, first_run: bool) -> dict:
    from dagster_project.settings import DEFAULT_SCORING_CONFIG
    from dagster_project.transform.scoring_config import load_scoring_config

    name = f"book-{size}"
    env = workspace(root, name) | {"ABM_START_DATE": "2020-01-01"}
    data = Path(env["ABM_DATA_DIR"])
    generated = abm(env, "generate", "--accounts", str(size), "--days", str(days + 1), "--end", END.isoformat())
    if generated.returncode:
        raise SystemExit(generated.stderr)
    start = END - dt.timedelta(days=days - 1)
    backfill = abm(env, "backfill", "--start", start.isoformat(), "--end", END.isoformat())
    figures = {"size": size, "backfill_published": backfill.returncode == 0}
    figures |= normal_days(data, start, END, load_scoring_config(DEFAULT_SCORING_CONFIG)["tiers"]["tier_1_cap"])
    day = plain_export_day(data / "landing", END)
    figures["breakage_day"] = day.isoformat()
    # the same day unbroken, run as a nightly run (every check, the raw suites too): it must publish
    figures["control_blocked_by"] = caught_by(run_broken(root, name, data, day, lambda landing, day: None))
    figures["breakages"] = {}
    for label, breakage in BREAKAGES.items():
        result = {"with_history": caught_by(run_broken(root, name, data, day, breakage))}
        if first_run:
            result["first_run"] = caught_by(first_run_of(root, data, day, breakage))
        figures["breakages"][label] = result
        print(f"  {size:>6} {label}: {result}", flush=True)
    return figures


def run_broken(root: Path, name: str, data: Path, day: dt.date, breakage) -> subprocess.CompletedProcess:
    """`abm run` for the day in a copy of the book's data folder with one export broken."""
    copy = workspace(root, f"{name}-broken")
    shutil.rmtree(copy["ABM_DATA_DIR"])
    shutil.copytree(data, copy["ABM_DATA_DIR"], symlinks=True)
    breakage(Path(copy["ABM_DATA_DIR"]) / "landing", day)
    return abm(copy | {"ABM_START_DATE": "2020-01-01"}, "run", "--date", day.isoformat())


def first_run_of(root: Path, data: Path, day: dt.date, breakage) -> subprocess.CompletedProcess:
    """The broken exports of the day in a data folder that holds nothing else."""
    env = workspace(root, "first-run") | {"ABM_START_DATE": "2020-01-01"}
    landing = Path(env["ABM_DATA_DIR"]) / "landing"
    for source in (data / "landing").iterdir():
        exports = sorted(p for p in source.iterdir() if p.name <= day.isoformat())
        if exports:
            shutil.copytree(exports[-1], landing / source.name / exports[-1].name)
    breakage(landing, day)
    return abm(env, "run", "--date", day.isoformat())


def table(results: list[dict], first_run: bool) -> str:
    sizes = [r["size"] for r in results]
    lines = ["| | " + " | ".join(f"{s:,} accounts" for s in sizes) + " |", "|---" * (len(sizes) + 1) + "|"]
    lines.append("| false blocks on normal days | " + " | ".join(f"{r['false_blocks']} of {r['judged']}" for r in results) + " |")
    lines.append(
        "| a normal day run as a nightly run | "
        + " | ".join("published" if not r["control_blocked_by"] else f"**blocked** ({r['control_blocked_by']})" for r in results)
        + " |"
    )
    for label in BREAKAGES:
        cells = []
        for r in results:
            outcome = r["breakages"][label]
            cell = "caught" if outcome["with_history"] else "**published**"
            if first_run:
                cell += " / " + ("caught" if outcome["first_run"] else "published")
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 400, 4000, 40000])
    parser.add_argument("--days", type=int, default=60, help="normal days replayed per size")
    parser.add_argument("--first-run", action="store_true", help="also run each breakage as a first run (no day before)")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    root = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="abm-gate-"))
    results = []
    for size in args.sizes:
        started = dt.datetime.now()
        results.append(measure(size, args.days, root, args.first_run))
        blocked = results[-1]["blocked"]
        print(f"{size:>6} accounts: {results[-1]['false_blocks']} false blocks {blocked} ({dt.datetime.now() - started})", flush=True)
    print(table(results, args.first_run))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
