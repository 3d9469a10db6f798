"""`abm review`: the pack for a quarterly tier review, read from the published tables: the review
calendar's dates, each tier's size against the targets in the rules, the demotions pending for the
review with their reasons, the promotions since the last review, and the latest ICP evidence with
the backtest of its suggested rules. Every number comes from dbt (tier_metrics, the history, the
changes); this module only selects and writes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dagster_project.discovery.evidence import backtest_section
from dagster_project.tiers import TIERS

SHOWN_PENDING = 100
# Without a calendar, the promotions of this many days before the date are shown.
DEFAULT_PERIOD_DAYS = 91


def review_pack(con: duckdb.DuckDBPyConnection, as_of: dt.date | None, targets: dict, icp_report: Path | None) -> str:
    """The pack as Markdown, as of `as_of` (default: the latest published date)."""
    as_of = as_of or con.execute("select max(as_of_date) from tier_metrics").fetchone()[0]
    counts = ", ".join(f"{tier}_accounts" for tier in TIERS)  # tier_metrics counts each tier
    metrics = con.execute(
        f"select {counts}, pending_demotions, last_review_date, next_review_date from tier_metrics where as_of_date = ?",
        [as_of],
    ).fetchone()
    if metrics is None:
        raise ValueError(f"{as_of} is not in the published history: review a date the history holds")
    *sizes, pending_count, last_review, next_review = metrics
    since = last_review or as_of - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    lines = [f"# Tier review as of {as_of}", "", _calendar(last_review, next_review), ""]
    lines += _sizes(dict(zip(TIERS, sizes, strict=True)), targets)
    lines += _pending(con, as_of, pending_count, next_review)
    lines += _promotions(con, since, as_of, bool(last_review))
    lines += _adherence(con, since, as_of, bool(last_review))
    lines += _icp(icp_report)
    return "\n".join(lines) + "\n"


def _calendar(last_review: dt.date | None, next_review: dt.date | None) -> str:
    if last_review is None:
        return "No review calendar (the rules' `review:`): demotions take effect every day, by hysteresis."
    upcoming = f"the next is {next_review}" if next_review else "no later review date is set"
    return f"Last review {last_review}; {upcoming}. Demotions wait for the review date, promotions do not."


def _sizes(sizes: dict[str, int], targets: dict) -> list[str]:
    lines = ["## Tier sizes against the targets", "", "| tier | accounts | target | |", "| --- | --- | --- | --- |"]
    for tier, accounts in sizes.items():
        target = targets.get(tier)
        if target is None:
            lines.append(f"| {tier} | {accounts:,} | | |")
            continue
        verdict = "below" if accounts < target["min"] else "above" if accounts > target["max"] else "within"
        lines.append(f"| {tier} | {accounts:,} | {target['min']:,}–{target['max']:,} | {verdict} |")
    return [*lines, ""]


def _pending(con, as_of: dt.date, count: int, next_review: dt.date | None) -> list[str]:
    when = f"on {next_review}" if next_review else "at the next review"
    lines = [f"## Demotions pending for the review ({count:,}; they take effect {when} unless the scores recover)", ""]
    rows = con.execute(
        "select account_name, owner_name, tier, pending_tier, tier_reason from account_tier_history "
        "where as_of_date = ? and tier_basis = 'review' order by tier, total_score desc, account_id limit ?",
        [as_of, SHOWN_PENDING],
    ).fetchall()
    return [*lines, *_table(["account", "owner", "tier", "falls to", "reason"], rows), ""]


def _promotions(con, since: dt.date, as_of: dt.date, reviewed: bool) -> list[str]:
    rows = con.execute(
        "select as_of_date, account_name, owner_name, from_tier, to_tier, tier_reason from account_tier_changes "
        "where change_type = 'promotion' and as_of_date > ? and as_of_date <= ? order by as_of_date desc, total_score desc",
        [since, as_of],
    ).fetchall()
    headers = ["date", "account", "owner", "from", "to", "reason"]
    return [f"## Promotions {_period(reviewed)} ({len(rows):,})", "", *_table(headers, rows), ""]


def _period(reviewed: bool) -> str:
    return "since the last review" if reviewed else f"in the {DEFAULT_PERIOD_DAYS} days before"


def _adherence(con, since: dt.date, as_of: dt.date, reviewed: bool) -> list[str]:
    """The plays entered in the period by owner and tier, with their SLA status on the latest run."""
    title = f"## Plays worked within their SLA, entered {_period(reviewed)}"
    if not con.execute("select count(*) from information_schema.tables where table_name = 'play_adherence'").fetchone()[0]:
        return [title, "", "Not published yet: the next run publishes the plays' adherence.", ""]
    rows = con.execute(
        """select owner_name, tier, sum(accounts_entered), sum(touched_on_time), sum(touched_late), sum(overdue), sum(pending),
                  cast(round(100.0 * sum(touched_on_time) / nullif(sum(touched_on_time + touched_late + overdue), 0)) as integer) || ' %'
           from play_adherence where entered_date > ? and entered_date <= ?
           group by owner_name, tier order by owner_name, tier""",
        [since, as_of],
    ).fetchall()
    headers = ["owner", "tier", "plays entered", "on time", "late", "overdue", "not yet due", "SLA met"]
    return [f"{title} (status on the latest run)", "", *_table(headers, rows), ""]


def _icp(icp_report: Path | None) -> list[str]:
    if icp_report is None:
        return ["## ICP evidence", "", "No ICP discovery yet: run `abm icp` before the review.", ""]
    text = icp_report.read_text()
    headline = next((line for line in text.splitlines() if "closed deals described" in line), "")
    return ["## ICP evidence", "", f"{headline} Report: {icp_report}", "", backtest_section(text), ""]


def _table(headers: list[str], rows: list[tuple]) -> list[str]:
    if not rows:
        return ["None."]
    escape = str.maketrans({"|": "\\|", "\n": " "})
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    return lines + ["| " + " | ".join("" if v is None else str(v).translate(escape) for v in row) + " |" for row in rows]
