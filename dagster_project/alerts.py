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


def send_alert(folder: Path, kind: str, text: str, fields: dict[str, Any], logger: logging.Logger | None = None) -> dict[str, Any]:
    """Record an alert in <folder>/<kind>.jsonl (the data folder's alerts/), log it, and post it to
    the webhook when one is set."""
    alert = {"kind": kind, "sent_at": dt.datetime.now(dt.UTC).isoformat(), "text": text, **fields}
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{kind}.jsonl", "a") as out:
        out.write(json.dumps(alert, default=str) + "\n")
    # a tier change or an overdue play is news for the owner, not trouble: a CLI run's terminal stays quiet
    (logger or log).log(logging.INFO if kind in ("tier_change", "play_overdue", "play_digest") else logging.WARNING, f"[{kind}] {text}")
    url = webhook_url()
    if url:
        # every field may carry export values (an account name, a reason): none is Slack markup
        post_json(url, {key: slack_escape(value) if isinstance(value, str) else value for key, value in alert.items()}, logger or log)
    return alert


def post_json(url: str, payload: dict[str, Any], logger: logging.Logger) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except OSError as error:  # an unreachable webhook must not fail the pipeline; the file has the alert
        logger.error(f"alert webhook {redacted(url)} failed: {error}")
