"""`abm whatif`: replay the stored history window under candidate rules, beside the history.

The replay runs in a scratch folder (data/whatif/<stamp>/) with its own warehouse (or, on Spark, its
own Spark tables) that reads the loaded exports in place (raw/ is linked, never written): the live
warehouse, the history and the published files are never opened for writing. The stored history of
the window is copied out of the published serving file into a Parquet file there; dbt builds the
candidate's history over the window in one run (as a backfill does) and the comparison models
(dbt/models/whatif) on the data folder's engine; this module orchestrates and renders.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingest.loader import loaded_sources
from dagster_project.settings import DBT_PROJECT_DIR, Paths, pii_secret, publish_contact_names, publish_emails
from dagster_project.tiers import TIERS, WORKED_TIERS
from dagster_project.transform.assets import WHATIF_TAG
from dagster_project.transform.dbt_args import dbt_env, dbt_vars
from dagster_project.transform.scoring_config import load_scoring_config
from dagster_project.transform.spark_tables import SPARK_URI_ENV, expose_spark_tables

SHOWN_TIERS = (*TIERS, "not_tiered")
TOLERANCE = 1e-9  # shares and lifts are sums of float quotients: equal counts must compare equal


class WhatIfError(Exception):
    """A what-if that cannot run, with what to do instead."""


@dataclass(frozen=True)
class WhatIf:
    folder: Path
    start: dt.date
    end: dt.date
    engine: str = "duckdb"

    @property
    def paths(self) -> Paths:
        """The scratch folder as a data folder of its own: the replay's warehouse (or Spark tables) live there."""
        return Paths(self.folder, self.engine)

    @property
    def warehouse(self) -> Path:
        return self.paths.warehouse

    @property
    def baseline(self) -> Path:
        return self.folder / "baseline_tier_history.parquet"  # where dbt's whatif source reads it

    @property
    def report(self) -> Path:
        return self.folder / "whatif_report.html"


def stored_dates(serving_db: Path) -> list[dt.date]:
    """The as-of dates the published history holds, in order."""
    if not serving_db.exists():
        raise WhatIfError(f"no published history at {serving_db}: run `abm run` or `abm backfill` first")
    with duckdb.connect(str(serving_db), read_only=True) as con:
        dates = [day for (day,) in con.execute("select distinct as_of_date from account_tier_history order by 1").fetchall()]
    if not dates:
        raise WhatIfError("the published history is empty: run `abm backfill` over the window first")
    return dates


def prepare(locations: Paths, start: dt.date | None, end: dt.date | None) -> WhatIf:
    """The scratch folder: raw/ linked to the loaded exports, and the stored history of the window."""
    stored = stored_dates(locations.serving_db)
    first, last = stored[0], stored[-1]
    start, end = start or first, end or last
    if start < first or end > last or end < start:
        raise WhatIfError(f"the window {start}..{end} is not within the stored history {first}..{last}")
    if end not in stored:
        raise WhatIfError(f"{end} was never scored (the history skips it): end the window on a stored date")
    folder = locations.data_dir / "whatif" / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    (folder / "raw").symlink_to(locations.raw.resolve(), target_is_directory=True)
    whatif = WhatIf(folder, start, end, locations.engine)
    with duckdb.connect() as con:
        con.execute(f"attach '{locations.serving_db.resolve()}' as served (read_only)")
        window = f"where as_of_date between date '{start}' and date '{end}'"
        con.execute(f"copy (select * from served.main.account_tier_history {window}) to '{whatif.baseline}' (format parquet)")
    return whatif


def replay(locations: Paths, whatif: WhatIf, candidate: dict, log: Path | None = None) -> None:
    """One dbt build of the candidate's history over the window and the comparison models."""
    variables = json.dumps(dbt_vars(candidate, publish_emails(), publish_contact_names()), sort_keys=True)
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--select",
        f"+tag:{WHATIF_TAG}",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        variables,
        "--target",
        whatif.engine,
        "--target-path",
        str(whatif.folder / "dbt_target"),
        "--log-path",
        str(whatif.folder / "logs"),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    environment = {
        **dbt_env(whatif.folder, whatif.start, whatif.end, pii_secret(locations.data_dir), loaded_sources(locations, whatif.end)),
        SPARK_URI_ENV: str(whatif.paths.spark),  # a Spark replay writes in the scratch folder, never the live tables
    }
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **environment}, check=False)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join(line for line in result.stdout.splitlines() if "ERROR" in line or "Error" in line)[-2000:]
        raise WhatIfError(f"the replay failed (dbt's log: {whatif.folder / 'logs'}):\n{tail}")


def run_whatif(locations: Paths, candidate_file: Path, start: dt.date | None = None, end: dt.date | None = None) -> WhatIf:
    if locations.engine == "spark" and os.environ.get(SPARK_URI_ENV):
        raise WhatIfError(f"abm whatif replays on local Spark in its scratch folder: unset {SPARK_URI_ENV} (the cluster's tables)")
    candidate = load_scoring_config(candidate_file)
    whatif = prepare(locations, start, end)
    replay(locations, whatif, candidate, whatif.folder / "logs" / "dbt.txt")
    if whatif.engine == "spark":
        expose_spark_tables(whatif.paths)
    return whatif


@dataclass(frozen=True)
class RulesOutcome:
    """What one rule set's tiers would have converted over the window (from whatif_tier_outcomes)."""

    closed_deals: int
    worked_share_of_wins: float  # the share of wins in tiers 1 and 2, the tiers worked account by account
    tier_1_lift: float | None
    tier_1_lift_low: float | None
    tier_1_lift_high: float | None

    def holds_against(self, current: RulesOutcome) -> bool:
        """At least the current rules' share of wins in tiers 1+2 and their tier 1 lift."""
        if self.worked_share_of_wins < current.worked_share_of_wins - TOLERANCE:
            return False
        return current.tier_1_lift is None or (self.tier_1_lift is not None and self.tier_1_lift >= current.tier_1_lift - TOLERANCE)

    def describe(self) -> str:
        lift = (
            f"tier 1 lift {self.tier_1_lift:.2f} [{self.tier_1_lift_low:.2f}, {self.tier_1_lift_high:.2f}]"
            if self.tier_1_lift is not None
            else "tier 1 lift: no closed deals"
        )
        return f"tiers 1+2 hold {self.worked_share_of_wins:.0%} of the wins; {lift}"


def migration_matrix(whatif: WhatIf) -> list[tuple[str, str, int]]:
    """(current tier, candidate tier, accounts) on the window's last date."""
    with duckdb.connect(str(whatif.warehouse), read_only=True) as con:
        return con.execute(
            "select current_tier, candidate_tier, accounts from whatif_tier_migrations where as_of_date = ?", [whatif.end]
        ).fetchall()


def read_outcomes(whatif: WhatIf) -> tuple[list[dict], dict[str, RulesOutcome]]:
    """whatif_tier_outcomes as rows, and per rule set (current, candidate) its figures."""
    with duckdb.connect(str(whatif.warehouse), read_only=True) as con:
        cursor = con.execute("select * from whatif_tier_outcomes order by tier, rules desc")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    figures = {}
    for rules in ("current", "candidate"):
        of_rules = [o for o in rows if o["rules"] == rules]
        tier_1 = next((o for o in of_rules if o["tier"] == "tier_1"), {})
        figures[rules] = RulesOutcome(
            closed_deals=sum(o["closed_opportunities"] for o in of_rules),
            worked_share_of_wins=sum(o["share_of_wins"] or 0 for o in of_rules if o["tier"] in WORKED_TIERS),
            tier_1_lift=tier_1.get("lift"),
            tier_1_lift_low=tier_1.get("lift_low"),
            tier_1_lift_high=tier_1.get("lift_high"),
        )
    return rows, figures


def render(whatif: WhatIf, candidate_file: Path) -> str:
    """The side-by-side report (HTML in the scratch folder); returns its text summary."""
    matrix = migration_matrix(whatif)
    with duckdb.connect(str(whatif.warehouse), read_only=True) as con:
        changes = con.execute(
            "select account_name, current_tier, candidate_tier, current_reason, candidate_reason from whatif_account_changes "
            "order by candidate_tier, candidate_total_score desc, account_id limit 50"
        ).fetchall()
        changed = con.execute("select count(*) from whatif_account_changes").fetchone()[0]
    outcomes, figures = read_outcomes(whatif)
    text = summary(whatif, matrix, changed, figures)
    horizon_days = load_scoring_config(candidate_file)["discovery"]["outcome_horizon_days"]
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>What-if {html.escape(candidate_file.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #d0d7de;padding:4px 8px;font-size:13px;text-align:left}}</style></head><body>
<h1>What-if: {html.escape(candidate_file.name)} against the current rules, {whatif.start}..{whatif.end}</h1>
<pre>{html.escape(text)}</pre>
<h2>Migration matrix on {whatif.end} (rows: current, columns: candidate)</h2>{_matrix_table(matrix)}
<h2>Tier performance (deals created within {horizon_days} days after an as-of date)</h2>{_outcomes_table(outcomes)}
<h2>Accounts that change tier on {whatif.end} ({changed:,}; first 50)</h2>
{_table(["account", "current", "candidate", "current reason", "candidate reason"], changes)}
<p>Tables: {html.escape(str(whatif.warehouse))} (whatif_tier_migrations, whatif_account_changes, whatif_tier_outcomes).</p>
</body></html>"""
    whatif.report.write_text(page)
    return text


def tier_counts(matrix: list[tuple]) -> dict[str, tuple[int, int]]:
    """Accounts per tier on the window's last date: (current, candidate)."""
    return {tier: (sum(n for c, _, n in matrix if c == tier), sum(n for _, c, n in matrix if c == tier)) for tier in SHOWN_TIERS}


def summary(whatif: WhatIf, matrix: list[tuple], changed: int, figures: dict[str, RulesOutcome]) -> str:
    lines = [f"Accounts per tier on {whatif.end}: current -> candidate"]
    lines += [f"  {tier:<13} {now:>8,} -> {then:>8,}" for tier, (now, then) in tier_counts(matrix).items() if now or then]
    lines.append(f"{changed:,} accounts change tier.")
    lines += [f"{rules:>9}: {outcome.describe()}" for rules, outcome in figures.items()]
    return "\n".join(lines)


def _matrix_table(matrix: list[tuple]) -> str:
    cells = {(c, d): n for c, d, n in matrix}
    present = [t for t in SHOWN_TIERS if any(t in pair for pair in cells)]
    rows = [[current, *(f"{cells.get((current, candidate), 0):,}" for candidate in present)] for current in present]
    return _table(["current \\ candidate", *present], rows)


def _outcomes_table(outcomes: list[dict]) -> str:
    def rate(o: dict, key: str) -> str:
        return "" if o[key] is None else f"{o[key]:.2f} [{o[key + '_low']:.2f}, {o[key + '_high']:.2f}]"

    rows = [
        [
            o["tier"],
            o["rules"],
            f"{o['opportunities']:,}",
            f"{o['won_opportunities']:,} of {o['closed_opportunities']:,}",
            rate(o, "win_rate"),
            "" if o["share_of_wins"] is None else f"{o['share_of_wins']:.0%}",
            rate(o, "lift"),
            f"{o['pipeline_amount']:,.0f}",
        ]
        for o in outcomes
    ]
    return _table(["tier", "rules", "deals", "won of closed", "win rate [95 %]", "share of wins", "lift [95 %]", "pipeline"], rows)


def _table(headers: list[str], rows: list) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v if v is not None else ''))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
