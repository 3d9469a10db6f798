"""The tier report: one static HTML page with inline SVG charts, readable with no network access.

Rendered from the freshly built serving file on each publish: accounts per tier over time, tier
movement since the previous run, score distributions, the tier 1 list with reasons, reachability
and buying-group gaps, tier 2 clusters, account families, and the data-quality summary (with the
parent links to fix).
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from dagster_project.tiers import TIERS
from dagster_project.transform.scoring_config import DEFAULT_SCORE_CAPS

LABELS = {"tier_1": "Tier 1 — 1:1", "tier_2": "Tier 2 — 1:few", "tier_3": "Tier 3 — 1:many", "disqualified": "Disqualified"}
SCORE_MEANINGS = {
    "fit": "how closely the company matches the ideal customer: industry, size, country, technologies",
    "intent": "research surges on the tracked topics, fading with age",
    "engagement": "recent activities and verified decision-makers",
}
COLORS = {"tier_1": "#1f6feb", "tier_2": "#2da44e", "tier_3": "#bf8700", "disqualified": "#8c959f"}
WIDTH, HEIGHT, PAD = 640, 240, 40


ICP_REPORT = "ICP discovery (abm icp)"


def latest_reports(locations) -> dict[str, Path]:
    """The latest ICP discovery report and what-if report of the data folder, by what they are."""
    found = {
        ICP_REPORT: sorted(locations.reports.glob("icp-*.md")),
        "What-if of candidate rules (abm whatif)": sorted(
            (locations.data_dir / "whatif").glob("*/whatif_report.html"), key=lambda path: path.stat().st_mtime
        ),
    }
    return {label: paths[-1] for label, paths in found.items() if paths}


def render_tier_report(
    serving_db: Path,
    target: Path,
    quality_report: Path,
    missing: dict[str, str] | None = None,
    links: dict[str, Path] | None = None,
    score_caps: dict[str, float] = DEFAULT_SCORE_CAPS,
) -> Path:
    """The page; `missing` names the optional sources with no export yet and what the tiers lack,
    `links` the latest reports of other commands (ICP discovery, what-if) by what they are, and
    `score_caps` each score's most points as the rules set them."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        as_of = con.execute("select max(as_of_date) from account_tiers").fetchone()[0]
        sections = [
            _section("Accounts per tier over time", _tiers_over_time(con)),
            _section("Tier movement since the previous run", _movement(con, as_of)),
            _section("Score distributions", _score_distribution(con)),
            _section("Tier 1 accounts", _tier_1_table(con)),
            _section("Tier 2 clusters", _tier_2_clusters(con)),
            _section("Account families", _families(con)),
            _section("Accounts per owner", _owners(con)),
            _section("Is each tier worked as its play says?", _adherence(con)),
            _section("ICP discovery: what the won deals share", _icp(con)),
            _section("Data quality", _quality_summary(con, as_of, quality_report)),
        ]
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Account tiers as of {as_of}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1100px}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #d0d7de;padding:4px 8px;font-size:13px;text-align:left}}
.legend span{{display:inline-block;margin-right:1em}}.swatch{{display:inline-block;width:10px;height:10px;margin-right:4px}}
.no{{color:#cf222e;font-weight:600}}</style></head><body>
<h1>Account tiers as of {as_of}</h1>
<p class="legend">{"".join(f'<span><i class="swatch" style="background:{COLORS[t]}"></i>{LABELS[t]}</span>' for t in TIERS)}</p>
<p>{_scores(score_caps)}</p>
{_missing(missing or {})}
{_links(links or {})}
{"".join(sections)}</body></html>"""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(page)
    tmp.replace(target)
    return target


def _scores(caps: dict[str, float]) -> str:
    parts = " + ".join(f"<b>{score}</b> 0–{caps[score]:g} ({meaning})" for score, meaning in SCORE_MEANINGS.items())
    return f"Total score 0–{sum(caps.values()):g} = {parts}. Each account's reason says which of them put it in its tier."


def _links(links: dict[str, Path]) -> str:
    if not links:
        return ""
    items = "".join(
        f'<li><a href="{html.escape(path.resolve().as_uri())}">{html.escape(label)}</a>: {html.escape(path.name)}</li>'
        for label, path in links.items()
    )
    return f"<p>Latest reports:</p><ul>{items}</ul>"


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>{body}"


def _svg(content: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    size = f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
    return f'<svg xmlns="http://www.w3.org/2000/svg" {size} role="img">{content}</svg>'


def _rect(x: float, y: float, width: float, height: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"><title>{html.escape(title)}</title></rect>'
    )


def _tiers_over_time(con) -> str:
    rows = con.execute("select as_of_date, tier, accounts from tier_summary order by as_of_date").fetchall()
    dates = sorted({r[0] for r in rows})
    if not dates:
        return "<p>No history yet.</p>"
    peak = max(r[2] for r in rows) or 1
    step = (WIDTH - 2 * PAD) / max(len(dates) - 1, 1)
    x = {d: PAD + i * step for i, d in enumerate(dates)}
    parts = [_axes(peak)]
    for tier in TIERS:
        points = [(x[d], HEIGHT - PAD - n / peak * (HEIGHT - 2 * PAD)) for d, t, n in rows if t == tier]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline fill="none" stroke="{COLORS[tier]}" stroke-width="2" points="{path}"><title>{tier}</title></polyline>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{COLORS[tier]}"/>' for px, py in points]
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{dates[0]}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">{dates[-1]}</text>')
    return _svg("".join(parts))


def _axes(peak: float) -> str:
    return (
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#57606a"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#57606a"/>'
        f'<text x="{PAD - 4}" y="{PAD}" font-size="11" text-anchor="end">{peak:,.0f}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" font-size="11" text-anchor="end">0</text>'
    )


def _movement(con, as_of) -> str:
    """Promotions and demotions per as-of date (bars), and the tier pairs of the latest date."""
    days = con.execute("select as_of_date, promotions, demotions from tier_metrics order by as_of_date").fetchall()
    dates = [d for d, _, _ in days]
    by_date = {d: (up, down) for d, up, down in days}
    peak = max([max(up, down) for up, down in by_date.values()] + [1])
    slot = (WIDTH - 2 * PAD) / max(len(dates), 1)
    middle = HEIGHT / 2
    parts = [
        f'<line x1="{PAD}" y1="{middle}" x2="{WIDTH - PAD}" y2="{middle}" stroke="#57606a"/>',
        f'<text x="{PAD - 4}" y="{PAD}" font-size="11" text-anchor="end">+{peak}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" font-size="11" text-anchor="end">-{peak}</text>',
    ]
    for i, day in enumerate(dates):
        up, down = by_date.get(day, (0, 0))
        x = PAD + i * slot + 1
        up_h, down_h = up / peak * (middle - PAD), down / peak * (middle - PAD)
        parts.append(_rect(x, middle - up_h, max(slot - 2, 1), up_h, "#2da44e", f"{day}: {up} promotions"))
        parts.append(_rect(x, middle, max(slot - 2, 1), down_h, "#cf222e", f"{day}: {down} demotions"))
    pairs = con.execute(
        "select from_tier, to_tier, change_type, accounts from tier_movements where as_of_date = ? "
        "order by accounts desc, from_tier, to_tier",
        [as_of],
    ).fetchall()
    latest = (
        _table([f"tier pair on {as_of}", "change", "accounts"], [[f"{a} &rarr; {b}", kind, f"{n:,}"] for a, b, kind, n in pairs])
        if pairs
        else f"<p>No promotions or demotions on {as_of}.</p>"
    )
    return _svg("".join(parts)) + "<p>Promotions (up) and demotions (down) per as-of date.</p>" + latest


def _score_distribution(con) -> str:
    rows = con.execute("select tier, score_band_start, accounts from tier_score_distribution").fetchall()
    counts = {(t, band // 10): n for t, band, n in rows}
    totals = [sum(counts.get((t, b), 0) for t in TIERS) for b in range(10)]
    peak = max(totals) or 1
    bar = (WIDTH - 2 * PAD) / 10
    parts = [_axes(peak)]
    for b in range(10):
        base = HEIGHT - PAD
        for tier in TIERS:
            n = counts.get((tier, b), 0)
            if not n:
                continue
            h = n / peak * (HEIGHT - 2 * PAD)
            base -= h
            parts.append(_rect(PAD + b * bar + 2, base, bar - 4, h, COLORS[tier], f"{tier} {b * 10}-{b * 10 + 9}: {n}"))
        parts.append(f'<text x="{PAD + b * bar + bar / 2:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">{b * 10}</text>')
    return _svg("".join(parts)) + "<p>Total score (0-100), accounts per 10-point bucket, stacked by tier.</p>"


def _tier_1_table(con) -> str:
    rows = con.execute(
        "select account_name, domain, owner_name, total_score, is_reachable, verified_decision_makers, "
        "buying_group_coverage, buying_group_gap, play_motion, tier_reason "
        "from account_tiers where tier = 'tier_1' order by total_score desc, account_id"
    ).fetchall()
    gaps = sum(1 for row in rows if row[7])
    return f"<p>{gaps} of {len(rows)} tier 1 accounts lack verified contacts in their buying group: source those first.</p>" + _table(
        ["account", "domain", "owner", "score", "reachable (verified decision-makers)", "buying group", "play", "reason"],
        [
            [
                _text(name),
                _text(domain),
                _text(owner),
                f"{score:.1f}",
                f"{'yes' if reachable else '<span class=no>NOT REACHABLE</span>'} ({dms})",
                f"{coverage:.0%}" + (f" <span class=no>{_text(gap)}</span>" if gap else ""),
                _text(play),
                _text(reason),
            ]
            for name, domain, owner, score, reachable, dms, coverage, gap, play, reason in rows
        ],
    )


def _families(con, shown: int = 20) -> str:
    rows = con.execute(
        "select ultimate_parent_account_name, members, family_tier, family_intent_score, family_top_intent_topic, "
        "intent_driver_account_name, family_engagement_score, engagement_driver_account_name, "
        "family_buying_group_coverage, family_missing_buying_roles "
        "from account_families order by family_total_score desc, ultimate_parent_account_id limit ?",
        [shown],
    ).fetchall()
    if not rows:
        return "<p>No account has a parent in the CRM exports.</p>"
    (families,) = con.execute("select count(*) from account_families").fetchone()
    return (
        f"<p>{families:,} families (a parent with its subsidiaries at every level), the strongest {len(rows)} shown. "
        "Family intent takes each topic's strongest signal across the members once; engagement adds up.</p>"
        + _table(
            ["parent", "members", "family tier", "intent (driven by)", "engagement (driven by)", "buying group (missing)"],
            [
                [
                    _text(name),
                    f"{members:,}",
                    _text(tier),
                    f"{intent:.1f}" + (f" {_text(topic)} ({_text(intent_by)})" if topic else ""),
                    f"{engagement:.1f}" + (f" ({_text(engaged_by)})" if engaged_by else ""),
                    f"{coverage:.0%}" + (f" ({_text(missing)})" if missing else ""),
                ]
                for name, members, tier, intent, topic, intent_by, engagement, engaged_by, coverage, missing in rows
            ],
        )
    )


def _icp(con, shown: int = 10) -> str:
    """The ranked evidence of the latest ICP discovery (abm icp, monthly), once there is one."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'icp_attribute_lift'").fetchone()[0]:
        return "<p>No ICP discovery yet: <code>abm icp</code> ranks what the closed deals share (monthly in the schedule).</p>"
    rows = con.execute(
        "select attribute, value, opportunities, wins, win_rate, lift, lift_low, lift_high, insufficient_support, "
        "total_opportunities, total_wins, as_of_date from icp_attribute_lift order by lift_rank limit ?",
        [shown],
    ).fetchall()
    features = con.execute(
        "select feature, max(information_value), bool_or(possible_leak) from icp_attribute_lift "
        "group by feature order by min(feature_rank) limit 5"
    ).fetchall()
    if not rows:
        return "<p>The latest ICP discovery found no closed deals described as of their creation.</p>"
    deals, wins, as_of = rows[0][9], rows[0][10], rows[0][11]
    strongest = ", ".join(f"{_text(f)} ({iv:.2f}{', possible leak' if leak else ''})" for f, iv, leak in features)
    return (
        f"<p>As of {as_of}: {deals:,} closed deals described as of their creation, {wins:,} won. "
        f"Strongest attributes (information value): {strongest}.</p>"
        + _table(
            ["attribute", "value", "deals", "wins", "win rate", "lift [95 % interval]", ""],
            [
                [
                    _text(a),
                    _text(v),
                    f"{n:,}",
                    f"{w:,}",
                    f"{rate:.0%}",
                    f"{lift:.2f} [{low:.2f}, {high:.2f}]",
                    "insufficient support" if thin else "",
                ]
                for a, v, n, w, rate, lift, low, high, thin, *_ in rows
            ],
        )
    )


def _tier_2_clusters(con) -> str:
    rows = con.execute(
        "select tier_2_cluster, accounts, reachable_accounts, owners, play_motion, play_owner_role "
        "from tier_2_clusters order by accounts desc, tier_2_cluster"
    ).fetchall()
    return "<p>Tier 2 accounts grouped by a recent trigger event, else by industry: one 1:few program each.</p>" + _table(
        ["cluster", "accounts", "reachable", "owners", "play", "run by"],
        [
            [_text(cluster), f"{n:,}", f"{reachable:,}", f"{owners:,}", _text(play), _text(role)]
            for cluster, n, reachable, owners, play, role in rows
        ],
    )


def _owners(con) -> str:
    rows = con.execute(
        "select owner_name, owner_issue, tier, accounts, reachable_accounts from tier_segments order by owner_name, owner_id"
    ).fetchall()
    by_owner: dict[tuple[str, str | None], dict[str, tuple[int, int]]] = {}
    for owner, issue, tier, accounts, reachable in rows:
        by_owner.setdefault((owner, issue), {})[tier] = (accounts, reachable)
    left = [owner for owner, issue in by_owner if issue]
    note = (
        f"<p class=no>{len(left)} owner{'s' if len(left) != 1 else ''} left the CRM: reassign their accounts "
        f"({_text(', '.join(left))}).</p>"
        if left
        else ""
    )
    return note + _table(
        ["owner", *(LABELS[t] for t in TIERS), "tier 1 reachable"],
        [
            [
                _text(owner) + (f" <span class=no>{_text(issue)}</span>" if issue else ""),
                *(f"{tiers.get(t, (0, 0))[0]:,}" for t in TIERS),
                f"{tiers.get('tier_1', (0, 0))[1]:,}",
            ]
            for (owner, issue), tiers in by_owner.items()
        ],
    )


def plays_by_tier(con, as_of=None) -> dict[str, tuple]:
    """The current plays of each worked tier (account_plays, optionally only if of `as_of`): first
    touched on time, late, overdue, not yet due, touches a week per account and the play's target."""
    rows = con.execute(
        """select tier, count(*) filter (where play_status = 'on_time'), count(*) filter (where play_status = 'late'),
                  count(*) filter (where play_status = 'overdue'), count(*) filter (where play_status = 'pending'),
                  round(avg(touches_per_week), 2), max(target_touches_per_week)
           from account_plays where tier <> 'disqualified' and (cast(? as date) is null or as_of_date = ?)
           group by tier order by tier""",
        [as_of, as_of],
    ).fetchall()
    return {tier: tuple(rest) for tier, *rest in rows}


def _plays_row(tier: str, counts: tuple) -> list[str]:
    *statuses, pace, target = counts
    return [LABELS[tier], *(f"{n:,}" for n in statuses), f"{pace or 0:g}", f"{target or 0:g}"]


def _adherence(con) -> str:
    """Each current play's SLA status by tier and by owner (account_plays), with the touches a week."""
    by_tier = plays_by_tier(con)
    if not by_tier:
        return "<p>No account is in a play yet.</p>"
    tiers_table = _table(
        ["tier", "first touched on time", "late", "overdue (due, untouched)", "not yet due", "touches a week per account", "the play asks"],
        [_plays_row(t, by_tier.get(t, (0, 0, 0, 0, None, None))) for t in TIERS[:-1]],  # every tier but disqualified
    )
    owners = con.execute(
        """select owner_name, count(*) filter (where play_status = 'on_time'),
                  count(*) filter (where play_status in ('on_time', 'late', 'overdue'))
           from account_plays where tier = 'tier_1' group by owner_name order by owner_name"""
    ).fetchall()
    owners_table = _table(
        ["owner", "tier 1 accounts first touched within the SLA, of those due"],
        [[_text(owner), f"{on_time:,} of {due:,}"] for owner, on_time, due in owners],
    )
    return (
        "<p>Each account entering a tier (or a tier 2 cluster with its own play) is due its first outbound touch "
        "within the play's SLA; then the play's touches a week (adherence in config/scoring.yml). Current plays:</p>"
        + tiers_table
        + owners_table
        + _play_performance(con)
    )


def _play_performance(con) -> str:
    rows = con.execute(
        """select tier, sla, closed_opportunities, win_rate, win_rate_low, win_rate_high from play_performance
        where closed_opportunities > 0 order by tier, sla"""
    ).fetchall()
    if not rows:
        return "<p>No deal created during a play has closed yet: whether plays run on time convert better is not known.</p>"
    return "<p>Does running the play on time convert better? Deals created during a play, by its SLA:</p>" + _table(
        ["tier", "SLA", "closed deals", "win rate (95 % interval)"],
        [[LABELS[tier], sla, f"{closed:,}", f"{rate:.0%} ({low:.0%}–{high:.0%})"] for tier, sla, closed, rate, low, high in rows],
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table of cells that are already HTML (escape text with _text)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _missing(missing: dict[str, str]) -> str:
    if not missing:
        return ""
    items = "".join(f"<li><b>{_text(source)}</b>: {_text(consequence)}</li>" for source, consequence in missing.items())
    return f"<p class=no>Sources with no export yet, and what these tiers lack without them:</p><ul>{items}</ul>"


def _text(value) -> str:
    return html.escape(str(value)) if value is not None else ""


def _quality_summary(con, as_of, quality_report: Path) -> str:
    row = con.execute(
        "select contacts, stale_contacts, unverified_contacts, bounced_contacts, verified_decision_makers, "
        "tier_1_unreachable_accounts, tier_1_accounts from tier_metrics where as_of_date = ?",
        [as_of],
    ).fetchone()
    contacts, stale, unverified, bounced, verified_dms, unreachable, tier_1 = row or (0,) * 7

    def share(n: int) -> str:
        return f"{n:,} ({n / contacts:.0%})" if contacts else "0"

    rows = [
        ["contacts", f"{contacts:,}"],
        ["stale (not verified or active recently, or left)", share(stale)],
        ["unverified", share(unverified)],
        ["bounced", share(bounced)],
        ["verified decision-makers", f"{verified_dms:,}"],
        ["tier 1 accounts not reachable", f"{unreachable} of {tier_1}"],
    ]
    link = f'<a href="{html.escape(quality_report.as_uri())}">{html.escape(str(quality_report))}</a>'
    return _table(["contacts", "on the date"], rows) + _hierarchy_issues(con) + f"<p>The full per-check report of the run: {link}.</p>"


def _hierarchy_issues(con, shown: int = 10) -> str:
    rows = con.execute(
        "select account_name, hierarchy_issue, count(*) over () from account_tiers "
        "where hierarchy_issue is not null order by hierarchy_issue like 'cycle%' desc, account_id limit ?",
        [shown],
    ).fetchall()
    if not rows:
        return ""
    items = "".join(f"<li>{_text(name)}: {_text(issue)}</li>" for name, issue, _ in rows)
    return f"<p>Parent links to fix in the CRM: {rows[0][2]:,} accounts (cycles first).</p><ul>{items}</ul>"
