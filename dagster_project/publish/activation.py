"""Activation after a publish: tier-change and overdue-play alerts for account owners, CRM write-back files.

Both read the freshly published serving file. Alerts are sent once per change: a ledger keyed by
(account, date, from tier, to tier) remembers what was sent, so rerunning a date sends nothing new.
Write-back files hold only the accounts whose tier or score changed since the day before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dagster_project.alerts import send_alerts

PAST_TENSE = {"promotion": "promoted", "demotion": "demoted"}

LEDGER_DDL = """
create table if not exists promotion_alerts (
    alert_key varchar primary key,
    as_of_date date, account_id varchar, account_name varchar, owner_id varchar,
    from_tier varchar, to_tier varchar, change_type varchar, tier_reason varchar,
    play_motion varchar, play_owner_role varchar, play_sla_days integer, sent_at timestamp
)
"""


def _serving(serving_db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(serving_db), read_only=True)


def _rows(serving_db: Path, query: str, parameters: list | None = None) -> list[dict[str, Any]]:
    with _serving(serving_db) as con:
        cursor = con.execute(query, parameters or [])
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def alertable_changes(serving_db: Path, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The changes in the as-of range whose owner is alerted (activation.alert_on in the rules)."""
    return _rows(
        serving_db,
        """
        select as_of_date, account_id, account_name, owner_id, owner_name, from_tier, to_tier, change_type,
               tier_reason, play_motion, play_owner_role, play_sla_days
        from account_tier_changes
        where as_of_date between ? and ? and alerts_owner
        order by as_of_date, account_id
        """,
        [start, end],
    )


LEDGER_COLUMNS = (
    "as_of_date",
    "account_id",
    "account_name",
    "owner_id",
    "from_tier",
    "to_tier",
    "change_type",
    "tier_reason",
    "play_motion",
    "play_owner_role",
    "play_sla_days",
)


def send_promotion_alerts(serving_db: Path, alerts: Path, start: dt.date, end: dt.date, logger=None) -> tuple[int, int]:
    changes = alertable_changes(serving_db, start, end)
    messages = [
        (
            f"{change['account_id']}|{change['as_of_date']}|{change['from_tier']}|{change['to_tier']}",
            f"{change['account_name']} ({change['account_id']}) {PAST_TENSE[change['change_type']]} "
            f"{change['from_tier']} -> {change['to_tier']} on {change['as_of_date']} for owner {change['owner_name']}. "
            f"Play: {change['play_motion']} (owner role {change['play_owner_role']}, follow up within "
            f"{change['play_sla_days']} days). Why: {change['tier_reason']}",
            change,
        )
        for change in changes
    ]
    new = _send_once(
        alerts,
        "tier_change",
        messages,
        logger,
        LEDGER_DDL,
        "promotion_alerts",
        lambda key, change: {"alert_key": key, **{column: change[column] for column in LEDGER_COLUMNS}},
    )
    return new, len(changes) - new


# Alerts about the plays, each sent once: its key (an account's play, an owner's week) is remembered.
PLAY_LEDGER_DDL = "create table if not exists play_alerts (alert_key varchar primary key, kind varchar, sent_at timestamp)"


def _send_once(
    alerts: Path,
    kind: str,
    messages: list[tuple[str, str, dict[str, Any]]],
    logger,
    ledger_ddl: str = PLAY_LEDGER_DDL,
    ledger_table: str = "play_alerts",
    ledger_row=None,
) -> int:
    """Send each (key, text, fields) whose key the ledger never recorded, then record them all in one
    insert (one at a time, a first backfill's 11,000 past changes took 13 s); returns how many were sent.
    `ledger_row(key, fields)` is the row recorded beside the time; by default the key and the kind."""
    alerts.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(alerts / "ledger.duckdb")) as ledger:
        ledger.execute(ledger_ddl)
        sent = {key for (key,) in ledger.execute(f"select alert_key from {ledger_table}").fetchall()}
        new = [(key, text, fields) for key, text, fields in messages if key not in sent]
        if not new:
            return 0
        send_alerts(alerts, kind, [(text, {"alert_key": key, **fields}) for key, text, fields in new], logger)
        rows = pd.DataFrame([(ledger_row or _key_and_kind(kind))(key, fields) for key, _, fields in new])  # noqa: F841 - read by the SQL
        ledger.execute(f"insert into {ledger_table} select *, now() from rows")
    return len(new)


def _key_and_kind(kind: str):
    return lambda key, _fields: {"alert_key": key, "kind": kind}


def send_overdue_alerts(serving_db: Path, alerts: Path, logger=None) -> int:
    """Each tier 1 account past its play's SLA with no touch, to its owner once per play it entered."""
    overdue = _rows(
        serving_db,
        """select account_id, account_name, owner_name, play_entered_date, sla_due_date, play_motion
        from account_plays where tier = 'tier_1' and play_status = 'overdue' order by account_id""",
    )
    messages = [
        (
            f"overdue|{account['account_id']}|{account['play_entered_date']}",
            f"{account['account_name']} ({account['account_id']}) entered tier 1 on {account['play_entered_date']} "
            f"and is untouched past its SLA ({account['sla_due_date']}); owner {account['owner_name']}. "
            f"Play: {account['play_motion']}",
            account,
        )
        for account in overdue
    ]
    return _send_once(alerts, "play_overdue", messages, logger)


def send_weekly_digests(serving_db: Path, alerts: Path, as_of: dt.date, logger=None) -> int:
    """Once a week (the ISO week of the run's date), to each owner: their accounts' plays by tier and
    status, and the tier 1 accounts overdue by name."""
    counts = _rows(
        serving_db,
        """select owner_name, tier, play_status, count(*) as accounts from account_plays
        where tier <> 'disqualified' and owner_name is not null group by all order by all""",
    )
    overdue = _rows(
        serving_db,
        """select owner_name, string_agg(account_name, ', ' order by account_name) as accounts from account_plays
        where tier = 'tier_1' and play_status = 'overdue' group by owner_name""",
    )
    overdue_by_owner = {row["owner_name"]: row["accounts"] for row in overdue}
    by_owner: dict[str, list[str]] = {}
    for row in counts:
        by_owner.setdefault(row["owner_name"], []).append(f"{row['tier']} {row['play_status']} {row['accounts']}")
    year, week, _ = as_of.isocalendar()
    messages = [
        (
            f"digest|{owner}|{year}-W{week:02d}",
            f"Your plays on {as_of}, {owner}: {'; '.join(lines)}."
            + (f" Tier 1 overdue: {overdue_by_owner[owner]}." if owner in overdue_by_owner else ""),
            {"owner_name": owner, "week": f"{year}-W{week:02d}", "as_of_date": as_of},
        )
        for owner, lines in by_owner.items()
    ]
    return _send_once(alerts, "play_digest", messages, logger)


def spreadsheet_safe(column: str) -> str:
    """A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
    leading apostrophe, as OWASP's CSV-injection advice says; values come from exports."""
    return f"case when regexp_matches({column}, '^[=+\\-@\\t\\r]') then '''' || {column} else {column} end"


# Each CRM's import file: its name, the header of the record id, and the tier as the CRM takes it
# (HubSpot's ideal customer profile property has no "disqualified": the field is left empty).
CRM_FILES = {
    "salesforce": ("salesforce_account_upsert.csv", "Id", "tier"),
    "hubspot": ("hubspot_company_import.csv", "Record ID", "case when tier = 'disqualified' then '' else tier end"),
}


# What each written column holds, from account_crm_updates (the tier as each CRM takes it is above).
WRITTEN = {
    "score": "crm_score",
    "reason": spreadsheet_safe("tier_reason"),
    "suppress": "is_suppressed",
    "family_tier": "family_tier",
    "buying_group_coverage": "crm_buying_group_coverage",
}


def write_crm_files(serving_db: Path, as_of: dt.date, out_root: Path, fields: dict[str, dict[str, str]]) -> tuple[Path, int]:
    """One import file per CRM with the accounts whose tier or score changed; `fields` names each
    CRM's field for each written column (activation.writeback_fields in the rules)."""
    folder = out_root / as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    changed = f"select * from account_crm_updates where as_of_date = '{as_of}'"
    with _serving(serving_db) as con:
        (rows,) = con.execute(f"select count(*) from ({changed})").fetchone()
        for crm, (file_name, id_header, tier) in CRM_FILES.items():
            values = {**WRITTEN, "tier": tier}
            columns = ", ".join(f'{values[column]} as "{field}"' for column, field in fields[crm].items())
            con.execute(
                f"""copy (select {spreadsheet_safe("account_id")} as "{id_header}", {columns} from ({changed}) order by account_id)
                    to '{folder / file_name}' (header, delimiter ',')"""
            )
    return folder, rows
