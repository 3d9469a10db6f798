"""Read discovery's tables and say what they show: the ranked attributes as Markdown (the CLI, the
Dagster UI, data/reports/), with the backtest of the suggestions and the diff of the one suggested.
The tier report renders the same table as HTML."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dagster_project.discovery.suggest import Suggestion

BACKTEST_HEADING = "## Backtest of the suggestions"
LIFT_COLUMNS = (
    "attribute, value, feature, opportunities, wins, win_rate, lift, lift_low, lift_high, information_value, "
    "insufficient_support, possible_leak"
)


@dataclass(frozen=True)
class Evidence:
    as_of: str
    deals: int
    wins: int
    undescribed: int
    features: list[tuple]  # (feature, information value, possible leak), strongest first
    values: list[dict]  # attribute values by lift rank
    suggestions: list[Suggestion]


def read_evidence(con: duckdb.DuckDBPyConnection) -> Evidence:
    deals, wins, undescribed, as_of = con.execute(
        """select count(described_as_of), count(case when is_won and described_as_of is not null then 1 end),
                  count(*) - count(described_as_of), (select max(as_of_date) from icp_attribute_lift)
           from int_opportunity_accounts_as_of"""
    ).fetchone()
    features = con.execute(
        "select feature, max(information_value), bool_or(possible_leak) from icp_attribute_lift group by feature order by min(feature_rank)"
    ).fetchall()
    cursor = con.execute(f"select {LIFT_COLUMNS} from icp_attribute_lift order by lift_rank")
    names = [d[0] for d in cursor.description]
    values = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    suggestions = [
        Suggestion(*row)
        for row in con.execute(
            "select attribute, value, band_min, points, opportunities, wins, lift, lift_low, lift_high "
            "from icp_fit_suggested order by attribute, points desc, value"
        ).fetchall()
    ]
    return Evidence(str(as_of), deals, wins or 0, undescribed, features, values, suggestions)


def headline(evidence: Evidence) -> str:
    rate = evidence.wins / evidence.deals if evidence.deals else 0
    left_out = f"; {evidence.undescribed:,} left out (created before the first account export)" if evidence.undescribed else ""
    return f"{evidence.deals:,} closed deals described as of their creation, {evidence.wins:,} won ({rate:.0%}){left_out}."


def markdown(evidence: Evidence, top: int = 10, diff: str = "", backtest: str = "") -> str:
    lines = [f"# ICP discovery as of {evidence.as_of}", "", headline(evidence), "", "## Attributes by information value", ""]
    lines += ["| rank | attribute | information value | |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {rank} | {feature} | {iv:.3f} | {'possible leak' if leak else ''} |"
        for rank, (feature, iv, leak) in enumerate(evidence.features[:top], start=1)
    ]
    lines += ["", "## Values by lift (win rate shrunk to the overall rate, 95 % interval)", ""]
    lines += ["| attribute | value | deals | wins | win rate | lift [interval] | |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [
        f"| {v['attribute']} | {v['value']} | {v['opportunities']:,} | {v['wins']:,} | {v['win_rate']:.0%} | "
        f"{v['lift']:.2f} [{v['lift_low']:.2f}, {v['lift_high']:.2f}] | {'insufficient support' if v['insufficient_support'] else ''} |"
        for v in evidence.values[:top]
    ]
    if backtest:
        lines += ["", backtest.rstrip()]
    if diff:
        lines += ["", "## Suggested rules against the current ones", "", "```diff", diff, "```"]
    return "\n".join(lines) + "\n"


def backtest_section(report: str) -> str:
    """The report's backtest of the suggestions (written once, by the discovery job)."""
    start = report.find(BACKTEST_HEADING)
    end = report.find("\n## ", start + 1)
    return report[start : end if end > 0 else None].rstrip() if start >= 0 else ""
