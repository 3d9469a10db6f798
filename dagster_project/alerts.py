"""Alerts go three ways: a log line, a JSON Lines file under the data folder, and a webhook.

The webhook (ABM_ALERT_WEBHOOK_URL) receives a Slack-compatible JSON payload ({"text": ...} plus
the alert's fields), so a Slack incoming webhook works as is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

log = logging.getLogger("abm.alerts")


def webhook_url() -> str | None:
    return os.environ.get("ABM_ALERT_WEBHOOK_URL") or None


def slack_escape(text: str) -> str:
    """Export values in alert text stay text in Slack: `<!channel>` or `<http://x|click>` is not markup.
    Slack's mrkdwn escapes exactly these three characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def redacted(url: str) -> str:
    """A webhook URL without its path and query, which hold the token."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


# Beyond this many alerts of a kind in one go (a first backfill's past tier changes, thousands of
# them) the log gets their count and the file that holds them, not a line each: every line is an event
# in Dagster's run log (11,006 alerts, each with its line and its ledger insert, took 56 s).
LOGGED_ONE_BY_ONE = 50


def send_alert(folder: Path, kind: str, text: str, fields: dict[str, Any], logger: logging.Logger | None = None) -> dict[str, Any]:
    """Record an alert in <folder>/<kind>.jsonl (the data folder's alerts/), log it, and post it to
    the webhook when one is set."""
    return send_alerts(folder, kind, [(text, fields)], logger)[0]


def send_alerts(
    folder: Path, kind: str, messages: list[tuple[str, dict[str, Any]]], logger: logging.Logger | None = None
) -> list[dict[str, Any]]:
    """Record, log and post alerts of one kind, each a (text, fields): the file is written once, and
    past LOGGED_ONE_BY_ONE alerts the log names their count and the file instead of each one."""
    sent_at = dt.datetime.now(dt.UTC).isoformat()
    alerts = [{"kind": kind, "sent_at": sent_at, "text": text, **fields} for text, fields in messages]
    if not alerts:
        return alerts
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{kind}.jsonl", "a") as out:
        out.writelines(json.dumps(alert, default=str) + "\n" for alert in alerts)
    # a tier change or an overdue play is news for the owner, not trouble: a CLI run's terminal stays quiet
    level = logging.INFO if kind in ("tier_change", "play_overdue", "play_digest") else logging.WARNING
    if len(alerts) <= LOGGED_ONE_BY_ONE:
        for alert in alerts:
            (logger or log).log(level, f"[{kind}] {alert['text']}")
    else:
        (logger or log).log(level, f"[{kind}] {len(alerts):,} alerts, each in {folder / f'{kind}.jsonl'}")
    url = webhook_url()
    if url:
        for alert in alerts:
            # every field may carry export values (an account name, a reason): none is Slack markup
            post_json(url, {key: slack_escape(value) if isinstance(value, str) else value for key, value in alert.items()}, logger or log)
    return alerts


def post_json(url: str, payload: dict[str, Any], logger: logging.Logger) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except OSError as error:  # an unreachable webhook must not fail the pipeline; the file has the alert
        logger.error(f"alert webhook {redacted(url)} failed: {error}")
