"""Candidate rules from the evidence: the current fit points blended with the points the evidence
proposes (icp_fit_suggested), written as a rules file with the evidence beside every line, and the
diff against the rules in use.

A value the evidence cannot place either way (too few deals, or an interval around 1) keeps its
current points; one it places below the overall win rate earns none; one above it earns the
evidence's points. `weight` says how far each value moves from its current points towards the
evidence's: 1 takes the evidence's, 0.5 goes half way. The points come from dbt; this module only
combines and writes them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SUGGESTED_NAME = "scoring.suggested.yml"
TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*:", re.M)
BANDS = {"employee_bands": "employee_band", "revenue_bands": "revenue_band"}
PARTS = {
    "industries": "Points for the account's industry. Industries not listed score 0.",
    "employee_bands": "Points by employee count: the band with the highest `min` the account reaches.",
    "revenue_bands": "Points by annual revenue in USD, same rule as employee bands.",
    "target_countries": "Points for a billing country in the target list.",
    "technologies": "Technographic fit (at most max_points): stacks we integrate with add points, competitors subtract.",
}


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


class EvidenceIndex:
    """The suggestions looked up by attribute and value (bands by the discovery band holding a bound)."""

    def __init__(self, suggestions: list[Suggestion], discovery: dict):
        self.by_value = {(s.attribute, s.value): s for s in suggestions if s.band_min is None}
        self.by_band = {(s.attribute, float(s.band_min)): s for s in suggestions if s.band_min is not None}
        self.band_edges = {attribute: sorted(map(float, discovery[name])) for name, attribute in BANDS.items()}

    def value(self, attribute: str, value: str) -> Suggestion | None:
        return self.by_value.get((attribute, value))

    def band(self, attribute: str, bound: float) -> Suggestion | None:
        """The evidence of the discovery band an account at `bound` falls in."""
        holding = [edge for edge in self.band_edges[attribute] if edge <= bound]
        return self.by_band.get((attribute, holding[-1])) if holding else None

    def values(self, attribute: str) -> list[Suggestion]:
        return [s for (a, _), s in self.by_value.items() if a == attribute]


def blended_fit(current: dict, evidence: EvidenceIndex, weight: float) -> dict:
    """The fit section with each value `weight` of the way from its current points to the evidence's."""
    fit = {
        "industries": _blended_points(current["industries"], evidence.values("industry"), weight),
        **{name: _blended_bands(current[name], evidence, attribute, weight) for name, attribute in BANDS.items()},
        "target_countries": _countries(current["target_countries"], evidence.values("country")),
        "technologies": {
            **current["technologies"],
            "signals": _blended_points(current["technologies"]["signals"], evidence.values("technology"), weight),
        },
    }
    return {**current, **fit}


def _blend(current: float, proposed: float, weight: float) -> int:
    return int(current + weight * (proposed - current) + 0.5)


def _blended_points(current: dict[str, int], evidence: list[Suggestion], weight: float) -> dict[str, int]:
    points = dict(current)
    for s in evidence:
        points[s.value] = _blend(current.get(s.value, 0), s.points, weight)
    return {name: p for name, p in sorted(points.items(), key=lambda item: -item[1]) if p}


def _band_points(bands: list[dict], bound: float) -> float:
    reached = [band["points"] for band in bands if band["min"] <= bound]
    return reached[-1] if reached else 0


def _blended_bands(current: list[dict], evidence: EvidenceIndex, attribute: str, weight: float) -> list[dict]:
    """Bands on every bound of the current and the discovery bands; equal neighbours merged."""
    bounds = sorted({float(band["min"]) for band in current} | set(evidence.band_edges[attribute]))
    bands: list[dict] = []
    for bound in bounds:
        now = _band_points(current, bound)
        found = evidence.band(attribute, bound)
        points = _blend(now, found.points, weight) if found else now
        if not bands or bands[-1]["points"] != points:
            bands.append({"min": int(bound) if bound.is_integer() else bound, "points": points})
    return bands


def _countries(current: dict, evidence: list[Suggestion]) -> dict:
    """The target list with the countries the evidence places above the win rate, without those below it."""
    against = {s.value for s in evidence if s.points == 0}
    listed = [c for c in current["countries"] if c not in against]
    return {**current, "countries": listed + sorted(s.value for s in evidence if s.points > 0 and s.value not in listed)}


def fit_text(fit: dict, evidence: EvidenceIndex, header: list[str]) -> str:
    """A `fit:` section as YAML text, the evidence beside every value it speaks of."""
    lines = [
        "fit:",
        *(f"  # {line}" for line in header),
        f"  # {PARTS['industries']}",
        "  industries:" + ("" if fit["industries"] else " {}"),
    ]
    lines += [f"    {_key(name)}: {points}{_comment(evidence.value('industry', name))}" for name, points in fit["industries"].items()]
    for name, attribute in BANDS.items():
        lines += [f"  # {PARTS[name]}", f"  {name}:"]
        for band in fit[name]:
            found = evidence.band(attribute, float(band["min"]))
            comment = f"  # {found.value}: {found.evidence}" if found else ""
            lines.append(f"    - {{min: {band['min']}, points: {band['points']}}}{comment}")
    countries = fit["target_countries"]
    lines += [
        f"  # {PARTS['target_countries']}",
        "  target_countries:",
        f"    points: {countries['points']}",
        f"    countries: [{', '.join(countries['countries'])}]",
    ]
    lines += [f"    # {s.value}: {s.evidence}" for s in sorted(evidence.values("country"), key=lambda s: -s.lift)]
    technologies = fit["technologies"]
    lines += [f"  # {PARTS['technologies']}", "  technologies:", f"    max_points: {technologies['max_points']}"]
    lines.append("    signals:" + ("" if technologies["signals"] else " {}"))
    lines += [
        f"      {_key(name)}: {points}{_comment(evidence.value('technology', name))}" for name, points in technologies["signals"].items()
    ]
    competitors = technologies.get("competitors") or {}
    lines.append("    # kept from the current rules: discovery proposes what raises the odds, not penalties")
    lines.append("    competitors:" + ("" if competitors else " {}"))
    lines += [f"      {_key(name)}: {points}" for name, points in competitors.items()]
    return "\n".join(lines) + "\n\n"


def tiers_text(tiers: dict, current: dict, header: list[str]) -> str:
    """A `tiers:` section as YAML text, each changed threshold with its current value beside it."""
    lines = ["tiers:", *(f"  # {line}" for line in header)]
    for key, value in tiers.items():
        was = current.get(key)
        lines.append(f"  {key}: {_flow(value)}" + (f"  # current: {_flow(was)}" if was != value else ""))
    return "\n".join(lines) + "\n\n"


def _flow(value) -> str:
    """A value as one line of YAML: {min_total: 70, min_fit: 35}, 15."""
    return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip().removesuffix("...").strip()


def _comment(found: Suggestion | None) -> str:
    return f"  # {found.evidence}" if found else ""


def section_span(text: str, key: str) -> tuple[int, int]:
    """Where a top-level section of a rules file starts and ends (the comments above it stay outside)."""
    start = re.search(rf"^{key}:", text, re.M)
    if not start:
        raise ValueError(f"the rules file has no top-level '{key}:' section")
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


def with_sections(text: str, sections: dict[str, str]) -> str:
    """The rules text with the named top-level sections replaced."""
    for key, section in sections.items():
        start, end = section_span(text, key)
        text = text[:start] + section + text[end:]
    return text


def write_suggested(rules_file: Path, text: str) -> tuple[Path, str]:
    """The suggested file beside the rules in use, and its diff against them."""
    target = rules_file.with_name(SUGGESTED_NAME)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(target)
    diff = difflib.unified_diff(
        rules_file.read_text().splitlines(), text.splitlines(), fromfile=rules_file.name, tofile=target.name, lineterm="", n=1
    )
    return target, "\n".join(diff)


def withdraw_suggested(rules_file: Path) -> None:
    """No suggestion stands: an older one must not be applied by mistake."""
    rules_file.with_name(SUGGESTED_NAME).unlink(missing_ok=True)


def _key(name: str) -> str:
    """A mapping key as YAML reads it back (quoted when it would not be a plain string)."""
    return name if yaml.safe_load(f"{name}: 1") == {name: 1} else yaml.safe_dump(name, default_style='"').strip()
