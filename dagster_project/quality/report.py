"""A data-quality page a person can read: every suite outcome of a run, written to the data folder."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path

from dagster_project.quality.gx_suites import SuiteOutcome


def latest_report(reports_dir: Path) -> Path:
    return reports_dir / "data_quality_latest.html"


def shown(outcome: SuiteOutcome) -> dict:
    """The outcome as the report stores it: masked examples only, never the values behind them."""
    stored = asdict(outcome)
    for item in stored["outcomes"]:
        item.pop("unmasked_examples", None)
    return stored


def record_outcome(reports_dir: Path, run_id: str, outcome: SuiteOutcome, set_aside: list[dict] = ()) -> Path:
    """Store one suite's outcome for the run and re-render the run's page (with the exports set aside
    in quarantine and the rows the run's loads left out); returns the page's path."""
    run_dir = reports_dir / "quality" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / f"{outcome.suite}.json").write_text(json.dumps(shown(outcome), default=str, indent=1))
    return _render_run(reports_dir, run_id, list(set_aside))


def record_loads(reports_dir: Path, run_id: str, source: str, files: list[dict]) -> None:
    """The files of a source's exports the run loaded that left rows out (rejected, or skipped as
    blank, totals, title or footer lines): {export_date, file, rows, rejects, skipped, rejects_in}."""
    folder = reports_dir / "quality" / run_id / LOADS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{source}.json").write_text(json.dumps(files, default=str, indent=1))


LOADS = "loads"


def _render_run(reports_dir: Path, run_id: str, set_aside: list[dict]) -> Path:
    run_dir = reports_dir / "quality" / run_id
    outcomes = [json.loads(p.read_text()) for p in sorted(run_dir.glob("*.json"))]
    loads = {p.stem: json.loads(p.read_text()) for p in sorted((run_dir / LOADS).glob("*.json"))}
    page = run_dir / "index.html"
    page.write_text(render(run_id, outcomes, set_aside, loads))
    latest = latest_report(reports_dir)
    tmp = latest.with_suffix(".tmp")
    tmp.write_text(page.read_text())
    tmp.replace(latest)
    return page


def render(run_id: str, outcomes: list[dict], set_aside: list[dict] = (), loads: dict[str, list[dict]] | None = None) -> str:
    sections = [_summary(outcomes, loads or {})] + ([_set_aside(set_aside)] if set_aside else []) + ([_loads(loads)] if loads else [])
    for outcome in outcomes:
        failed = [o for o in outcome["outcomes"] if not o["success"]]
        status = "passed" if not failed else ("BLOCKED" if any(o["blocking"] for o in failed) else "warnings")
        rows = "".join(
            "<tr class='{cls}'><td>{exp}</td><td>{col}</td><td>{res}</td><td>{blk}</td><td>{cnt}</td><td>{ex}</td></tr>".format(
                cls="ok" if o["success"] else ("fail" if o["blocking"] else "warn"),
                exp=html.escape(o["expectation"]),
                col=html.escape(str(o["column"] or "")),
                res="pass" if o["success"] else "FAIL",
                blk="blocking" if o["blocking"] else "warning",
                cnt="" if o["unexpected_count"] is None else o["unexpected_count"],
                ex=html.escape(json.dumps(o["examples"] or o["observed"], default=str))[:300],
            )
            for o in outcome["outcomes"]
        )
        sections.append(
            f"<h2>{html.escape(outcome['suite'])} <small>on {html.escape(outcome['table'])}, "
            f"{outcome['rows']} rows: <span class='{status}'>{status}</span></small></h2>"
            f"<table><tr><th>expectation</th><th>column</th><th>result</th><th>kind</th>"
            f"<th>failing rows</th><th>examples / observed</th></tr>{rows}</table>"
        )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Data quality - run {html.escape(run_id)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;width:100%;margin-bottom:1.5em}}
td,th{{border:1px solid #ddd;padding:4px 8px;font-size:13px;text-align:left}}tr.fail{{background:#fde2e2}}tr.warn{{background:#fff4d6}}
.BLOCKED{{color:#b00020}}.warnings{{color:#a06000}}.passed{{color:#1b7f3b}}</style></head>
<body><h1>Data quality for run {html.escape(run_id)}</h1>
<p>Great Expectations suites from <code>expectations/</code>. Blocking expectations stop the publish; warnings do not.</p>
{"".join(sections)}</body></html>"""


def _summary(outcomes: list[dict], loads: dict[str, list[dict]]) -> str:
    """In plain words, first: did the run's data pass, what is wrong where, and what to do."""
    problems = [(outcome, item) for outcome in outcomes for item in outcome["outcomes"] if not item["success"]]
    blocking = [(outcome, item) for outcome, item in problems if item["blocking"]]
    rejected = [(source, load) for source, files in loads.items() for load in files if load["rejects"]]
    if not problems and not rejected:
        return f"<p class='passed'><b>All {len(outcomes)} checks passed</b>: the data is fit to publish.</p>"
    verdict = (
        "<b>The publish was stopped</b>: the problems marked <i>blocking</i> stop it, and the previous tiers stay served."
        if blocking
        else "<b>Nothing here stops the publish</b>; the warnings below are worth a look."
    )
    said = [
        f"<li><i>{'blocking' if any(o['blocking'] for o in outcome['outcomes'] if not o['success']) else 'warning'}</i>: "
        f"{html.escape(outcome['explanation'])}</li>"
        for outcome in outcomes
        if outcome.get("explanation") and any(not o["success"] for o in outcome["outcomes"])
    ]
    said += [
        f"<li><i>warning</i>: {html.escape(source)} {html.escape(load['export_date'])} {html.escape(load['file'])}: "
        f"{load['rejects']:,} rows rejected and not scored, kept in {html.escape(load['rejects_in'])}</li>"
        for source, load in rejected
    ]
    items = "".join(f"<li>{_plain(outcome, item)}</li>" for outcome, item in blocking + [p for p in problems if p not in blocking])
    return f"<h2>Summary</h2><p>{verdict}</p><ul>{''.join(said)}{items}</ul>"


def _loads(loads: dict[str, list[dict]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(source)}</td><td>{html.escape(load['export_date'])}</td><td>{html.escape(load['file'])}</td>"
        f"<td>{load['rows']:,}</td><td>{load['rejects']:,}</td><td>{html.escape(load['skipped'] or '')}</td>"
        f"<td>{html.escape(load['rejects_in'] if load['rejects'] else '')}</td></tr>"
        for source, files in loads.items()
        for load in files
    )
    return (
        "<h2>Rows left out at load</h2><p>Rows of this run's exports that were rejected (with the reason, in the "
        "rejects folder; <code>abm inspect</code> shows them) or skipped as not data.</p>"
        "<table><tr><th>source</th><th>export date</th><th>file</th><th>rows loaded</th><th>rejected</th>"
        f"<th>skipped</th><th>rejects in</th></tr>{rows}</table>"
    )


def _plain(outcome: dict, item: dict) -> str:
    kind = "blocking" if item["blocking"] else "warning"
    what = item["notes"] or item["expectation"].replace("_", " ")
    where = f" in {item['found_in']}" if item.get("found_in") else ""
    count = f"{item['unexpected_count']} rows" if item["unexpected_count"] else "the check"
    column = html.escape(str(item["column"] or "-"))
    text = f"<i>{kind}</i>: {html.escape(outcome['table'])}, column {column}: {count} failed ({html.escape(what)}){html.escape(where)}."
    delivery = outcome.get("delivery")
    if delivery and item["blocking"]:
        text += (
            f" To go on: fix the export and land it again, or set it aside with <code>abm quarantine "
            f'{html.escape(delivery[0])} {html.escape(delivery[1])} --reason "..."</code>.'
        )
    return text


def _set_aside(records: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r['source'])}</td><td>{html.escape(r['export_date'])}</td>"
        f"<td>{html.escape(r['reason'])}</td><td>{html.escape(r['at'])}</td></tr>"
        for r in records
    )
    return (
        "<h2>Exports set aside</h2><p>Quarantined with <code>abm quarantine</code>: runs use the export before "
        "each of these. <code>abm quarantine SOURCE DATE --release</code> takes one back.</p>"
        f"<table><tr><th>source</th><th>export date</th><th>reason</th><th>since</th></tr>{rows}</table>"
    )
