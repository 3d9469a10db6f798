"""config/scoring.suggested.yml: the current rules with the fit section the evidence proposes, each
line commented with its evidence, and a diff against the current rules.

The points come from dbt (icp_fit_suggested); this module only writes them as YAML."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SUGGESTED_NAME = "scoring.suggested.yml"
TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*:", re.M)


@dataclass(frozen=True)
class Suggestion:
    attribute: str
    value: str
    band_min: float | None
    points: int
    opportunities: int
    wins: int
    lift: float
    lift_low: float
    lift_high: float

    @property
    def evidence(self) -> str:
        return f"n={self.opportunities}, wins={self.wins}, lift {self.lift:.2f} [{self.lift_low:.2f}, {self.lift_high:.2f}]"


def fit_block(text: str) -> tuple[int, int]:
    """Where the top-level `fit:` section of a rules file starts and ends (its comments above it stay outside)."""
    start = re.search(r"^fit:", text, re.M)
    if not start:
        raise ValueError("the rules file has no top-level 'fit:' section")
    following = TOP_LEVEL_KEY.search(text, start.end())
    end = following.start() if following else len(text)
    # the comment lines right above the next section belong to it
    while end > start.end():
        previous_line_start = text.rfind("\n", start.end(), end - 1) + 1
        if text[previous_line_start:end].lstrip().startswith("#"):
            end = previous_line_start
        else:
            break
    return start.start(), end


def suggested_fit(suggestions: list[Suggestion], current: dict, discovery: dict, as_of: str, deals: int) -> str:
    """The proposed `fit:` section as YAML text, evidence beside every line that earns points."""
    by = {
        attribute: [s for s in suggestions if s.attribute == attribute]
        for attribute in ("industry", "employee_band", "revenue_band", "country", "technology")
    }
    lines = [
        "fit:",
        f"  # Proposed by `abm icp` from {deals:,} closed deals as of {as_of}, each described as of its creation.",
        "  # Evidence: deals with the value, wins, lift over the overall win rate [95 % interval].",
        "  industries:" + ("" if by["industry"] else " {}"),
    ]
    lines += [f"    {_key(s.value)}: {s.points}  # {s.evidence}" for s in sorted(by["industry"], key=lambda s: -s.points)]
    for name, attribute, edges in (
        ("employee_bands", "employee_band", discovery["employee_bands"]),
        ("revenue_bands", "revenue_band", discovery["revenue_bands"]),
    ):
        earned = {s.band_min: s for s in by[attribute]}
        lines.append(f"  {name}:")
        for edge in edges:
            hit = earned.get(float(edge))
            comment = f"  # {hit.value}: {hit.evidence}" if hit else ""
            lines.append(f"    - {{min: {_number(edge)}, points: {hit.points if hit else 0}}}{comment}")
    countries = sorted(by["country"], key=lambda s: -s.lift_low)
    lines += [
        "  target_countries:",
        f"    points: {countries[0].points if countries else current['target_countries']['points']}",
        f"    countries: [{', '.join(s.value for s in countries)}]",
    ]
    lines += [f"    # {s.value}: {s.evidence}" for s in countries]
    lines += [
        "  technologies:",
        f"    max_points: {current['technologies']['max_points']}",
        "    signals:" + ("" if by["technology"] else " {}"),
    ]
    lines += [f"      {_key(s.value)}: {s.points}  # {s.evidence}" for s in sorted(by["technology"], key=lambda s: -s.points)]
    competitors = current["technologies"].get("competitors") or {}
    lines.append("    # kept from the current rules: discovery proposes what raises the odds, not penalties")
    lines.append("    competitors:" + ("" if competitors else " {}"))
    lines += [f"      {_key(name)}: {points}" for name, points in competitors.items()]
    return "\n".join(lines) + "\n\n"


def write_suggested(rules_file: Path, fit_text: str) -> tuple[Path, str]:
    """The suggested file beside the rules in use, and the diff of its fit section against theirs."""
    current = rules_file.read_text()
    start, end = fit_block(current)
    suggested = current[:start] + fit_text + current[end:]
    target = rules_file.with_name(SUGGESTED_NAME)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(suggested)
    tmp.replace(target)
    diff = difflib.unified_diff(
        current[start:end].splitlines(), fit_text.splitlines(), fromfile=rules_file.name, tofile=target.name, lineterm="", n=1
    )
    return target, "\n".join(diff)


def _key(name: str) -> str:
    """A mapping key as YAML reads it back (quoted when it would not be a plain string)."""
    return name if yaml.safe_load(f"{name}: 1") == {name: 1} else yaml.safe_dump(name, default_style='"').strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
