"""Load and validate config/scoring.yml before any dbt model runs; errors name the offending key."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from dagster_project.tiers import TIERS


class ScoringConfigError(ValueError):
    pass


# Write-back field names reach SQL and CSV headers: Salesforce API names and HubSpot property
# names or labels, nothing that could close a quoted identifier.
FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ ]{0,79}")


def _num(lo: float, hi: float):
    return ("number", lo, hi)


ALLOWED = {"tier": TIERS, "change_type": ("promotion", "demotion")}
_PLAY = {"motion": "text", "channels": ["text"], "cadence": "text", "owner_role": "text", "sla_days": _num(0, 365)}
_BANDS = [{"min": _num(0, 1e13), "points": _num(0, 50)}]
# What the CRM write-back files carry (dagster_project/publish/activation.py), per CRM.
WRITEBACK_CRMS = ("salesforce", "hubspot")
WRITEBACK_COLUMNS = ("tier", "score", "reason", "suppress", "family_tier", "buying_group_coverage")
# The day-over-day moves the publish gate judges (dbt/models/marts/per_date/tier_movement_checks.sql).
GATE_MOVES = ("tier_changes", "demotions", "firmographic_changes", "accounts_lost", "contacts_moved", "tier_1_reach_lost")
_MOVE = {"expected_share": _num(0, 1), "min_accounts": _num(1, 1e7)}
_TARGET = {"min": _num(0, 1e7), "max": _num(0, 1e7)}

# Sections a rules file written before they existed may leave out, with what leaving them out means.
# The tier sizes the seeds' typical program works (the review pack compares each tier with them).
DEFAULT_TARGETS = {"tier_1": {"min": 25, "max": 50}, "tier_2": {"min": 100, "max": 250}, "tier_3": {"min": 500, "max": 2000}}
# What the account team's own activities look like, and the touches a week each tier's play asks for.
DEFAULT_ADHERENCE = {
    "outbound_activity_types": ["email", "call", "task", "listemail", "cadence", "linkedin", "event", "meeting", "meeting_booked"],
    "open_statuses": ["not started", "in progress", "deferred", "waiting on someone else", "open", "canceled", "cancelled"],
    "touches_per_week": {"tier_1": 2, "tier_2": 0.5, "tier_3": 0.25},
}
# Each score's most points (fit + intent + engagement = the total's 100).
DEFAULT_SCORE_CAPS = {"fit": 50, "intent": 30, "engagement": 20}
SCORES = tuple(DEFAULT_SCORE_CAPS)
DEFAULTS: dict[str, Any] = {
    "score_caps": DEFAULT_SCORE_CAPS,
    "discovery": {"outcome_horizon_days": 90},
    "review": {"quarterly": False, "dates": [], "targets": DEFAULT_TARGETS},
    "adherence": DEFAULT_ADHERENCE,
}

# The shape of the file: a dict is a fixed set of keys, {"*": spec} a map with free keys,
# [spec] a list, "text" a string, "boolean" true or false, ("number", lo, hi) a number in range.
SPEC: dict[str, Any] = {
    "score_caps": {score: _num(1, 100) for score in SCORES},
    "fit": {
        "industries": {"*": _num(0, 15)},
        "employee_bands": _BANDS,
        "revenue_bands": _BANDS,
        "target_countries": {"points": _num(0, 10), "countries": ["text"]},
        "technologies": {
            "max_points": _num(0, 20),
            "signals": {"*": _num(0, 20)},
            "competitors": {"*": _num(-20, 0)},
        },
    },
    "exclusions": {"countries": ["text"], "industries": ["text"], "account_types": ["text"]},
    "intent": {
        "half_life_days": _num(1, 365),
        "lookback_days": _num(1, 730),
        "min_signal_score": _num(0, 100),
        "points_per_topic": _num(0, 30),
        "topics": {"*": _num(0, 1)},
    },
    "engagement": {
        "lookback_days": _num(1, 730),
        "activity_points": {"*": _num(0, 20)},
        "max_activity_points": _num(0, 20),
        "points_per_verified_decision_maker": _num(0, 20),
        "max_decision_maker_points": _num(0, 20),
    },
    "contacts": {
        "stale_after_days": _num(1, 3650),
        "verification_valid_days": _num(1, 3650),
        "decision_maker_title_patterns": ["regex"],
    },
    "tiers": {
        # each at most its score's cap (score_caps), checked with the order of the thresholds
        "min_fit": _num(0, 100),
        "tier_1": {"min_total": _num(0, 100), "min_fit": _num(0, 100), "min_intent": _num(0, 100)},
        "tier_1_cap": _num(0, 1e7),
        "tier_2": {"min_fit": _num(0, 100), "min_intent": _num(0, 100), "min_total": _num(0, 100)},
        "quadrant": {"high_fit": _num(0, 100), "high_intent": _num(0, 100)},
    },
    "hierarchy": {"roll_up_intent": "boolean", "roll_up_engagement": "boolean", "max_depth": _num(1, 1000)},
    "buying_group": {
        "roles": {
            "*": {
                "label": "text",
                "title_patterns": ["regex"],
                "departments": ["text"],
                "needed": _num(1, 100),
                "weight": _num(0, 100),
            }
        },
        "min_tier_1_coverage": _num(0, 1),
    },
    "discovery": {
        "lookback_months": _num(1, 120),
        "shrinkage": _num(0, 10000),
        "min_opportunities": _num(1, 1e7),
        "min_share": _num(0, 1),
        "min_wins": _num(0, 1e7),
        "intent_window_days": _num(1, 365),
        "outcome_horizon_days": _num(1, 730),
        "leak_information_value": _num(0, 100),
        "employee_bands": [_num(0, 1e13)],
        "revenue_bands": [_num(0, 1e13)],
        "engagement_bands": [_num(0, 1e6)],
        "regions": {"*": ["text"]},
    },
    "gate": {
        "deviations": _num(0, 100),
        "history_days": _num(1, 365),
        "history_quantile": _num(0, 1),
        "moves": {move: _MOVE for move in GATE_MOVES},
        "warn_unreachable_tier_1_share": _num(0, 1),
        "warn_disqualified_share": _num(0, 1),
    },
    "hysteresis": {"demotion_margin": _num(0, 50), "demotion_days": _num(1, 90), "lookback_days": _num(1, 365)},
    "review": {"quarterly": "boolean", "dates": ["date"], "targets": {tier: _TARGET for tier in TIERS[:-1]}},  # every tier but disqualified
    "adherence": {
        "outbound_activity_types": ["text"],
        "open_statuses": ["text"],
        "touches_per_week": {tier: _num(0, 100) for tier in TIERS[:-1]},  # disqualified accounts get no play
    },
    "clusters": {"trigger_window_days": _num(1, 730), "triggers": {"*": "text"}},
    "activation": {
        "alert_on": {"change_types": ["change_type"], "from_tiers": ["tier"]},
        "writeback_fields": {crm: {column: "field_name" for column in WRITEBACK_COLUMNS} for crm in WRITEBACK_CRMS},
    },
    "plays": {
        "tier_1": _PLAY,
        "tier_2": _PLAY,
        "tier_3": _PLAY,
        "disqualified": _PLAY,
        "tier_2_clusters": {"*": _PLAY},
    },
}


def load_scoring_config(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ScoringConfigError(f"{path}: cannot be read as YAML: {error}") from error
    config = with_defaults(config)
    validate(config, path)
    # dates as ISO text: the rules travel to dbt as JSON
    config["review"]["dates"] = sorted(str(day) for day in config["review"]["dates"])
    return config


def with_defaults(config: Any) -> Any:
    """The rules with each section (and key) of DEFAULTS they leave out filled in."""
    if not isinstance(config, dict):
        return config
    filled = dict(config)
    for section, keys in DEFAULTS.items():
        given = config.get(section, {})
        filled[section] = {**keys, **given} if isinstance(given, dict) else given
    return filled


def validate(config: Any, path: Path | str = "scoring config") -> None:
    config = with_defaults(config)
    _check(config, SPEC, "", str(path))
    _check_caps(config, str(path))
    _check_order(config, str(path))


def _check(value: Any, spec: Any, key: str, path: str) -> None:
    where = key or "(top level)"
    if isinstance(spec, dict) and "*" in spec:
        if not isinstance(value, dict):
            raise ScoringConfigError(f"{path}: key '{where}' must be a mapping")
        for name, item in value.items():
            _check(item, spec["*"], f"{key}.{name}", path)
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            raise ScoringConfigError(f"{path}: key '{where}' must be a mapping with keys {sorted(spec)}")
        unknown = sorted(set(value) - set(spec))
        if unknown:
            raise ScoringConfigError(f"{path}: unknown key '{_join(key, unknown[0])}'; expected one of {sorted(spec)}")
        missing = sorted(set(spec) - set(value))
        if missing:
            raise ScoringConfigError(f"{path}: missing key '{_join(key, missing[0])}'")
        for name, item_spec in spec.items():
            _check(value[name], item_spec, _join(key, name), path)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise ScoringConfigError(f"{path}: key '{where}' must be a list")
        for index, item in enumerate(value):
            _check(item, spec[0], f"{key}[{index}]", path)
    elif isinstance(spec, tuple):
        _, lo, hi = spec
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScoringConfigError(f"{path}: key '{where}' must be a number between {lo:g} and {hi:g}, got {value!r}")
        if not lo <= value <= hi:
            raise ScoringConfigError(f"{path}: key '{where}' is {value:g}, outside the allowed range {lo:g} to {hi:g}")
    elif spec == "regex":
        try:
            re.compile(str(value))
        except re.error as error:
            raise ScoringConfigError(f"{path}: key '{where}' is not a valid regular expression: {error}") from error
    elif spec == "date" and not _is_date(value):
        raise ScoringConfigError(f"{path}: key '{where}' must be a date (YYYY-MM-DD), got {value!r}")
    elif spec == "boolean" and not isinstance(value, bool):
        raise ScoringConfigError(f"{path}: key '{where}' must be true or false, got {value!r}")
    elif spec == "text" and not isinstance(value, str):
        quote = " (quote it: YAML reads NO, yes, on and off as true or false)" if isinstance(value, bool) else ""
        raise ScoringConfigError(f"{path}: key '{where}' must be text, got {value!r}{quote}")
    elif spec in ALLOWED and value not in ALLOWED[spec]:
        raise ScoringConfigError(f"{path}: key '{where}' must be one of {', '.join(ALLOWED[spec])}, got {value!r}")
    elif spec == "field_name" and not (isinstance(value, str) and FIELD_NAME.fullmatch(value)):
        raise ScoringConfigError(
            f"{path}: key '{where}' must be a CRM field name (letters, digits, spaces and underscores, "
            f"starting with a letter), got {value!r}"
        )


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _check_countries(config: dict, path: str) -> None:
    """Every country list holds ISO 3166 codes, as staging codes the exports' countries."""
    from dagster_project.vocabulary import iso_country_codes, suggested_country_code

    lists = {
        "fit.target_countries.countries": config["fit"]["target_countries"]["countries"],
        "exclusions.countries": config["exclusions"]["countries"],
        **{f"discovery.regions.{region}": countries for region, countries in config["discovery"]["regions"].items()},
    }
    for key, countries in lists.items():
        for country in countries:
            if country not in iso_country_codes():
                meant = suggested_country_code(country)
                hint = f"; did you mean {meant}?" if meant else ""
                raise ScoringConfigError(f"{path}: key '{key}' lists {country!r}, which is not an ISO country code (US, GB, ...){hint}")


# How alike a name and a value the exports hold must be to call the name a typo: Sofware and Software
# are (0.93); Software and Computer Software, a HubSpot industry, are not (0.64).
TYPO_SIMILARITY = 0.85


def check_against_data(config: dict, seen: dict[str, set[str]], path: Path | str = "scoring config") -> None:
    """Names the rules give points to that no export holds, where one it holds is close: a typo
    (`Sofware: 15`) would score nobody and say nothing. `seen` holds the values the loaded exports
    have, by kind (industries, technologies); a kind with no values is not checked."""
    from dagster_project.vocabulary import closest

    named = {
        "industries": {
            "fit.industries": list(config["fit"]["industries"]),
            "exclusions.industries": config["exclusions"]["industries"],
        },
        "technologies": {
            "fit.technologies.signals": list(config["fit"]["technologies"]["signals"]),
            "fit.technologies.competitors": list(config["fit"]["technologies"]["competitors"]),
        },
    }
    for kind, keys in named.items():
        known = seen.get(kind) or set()
        for key, names in keys.items():
            for name in names:
                meant = closest(name, sorted(known), TYPO_SIMILARITY) if known and name not in known else None
                if meant:
                    raise ScoringConfigError(f"{path}: key '{key}' names {name!r}, which no loaded export holds; did you mean {meant!r}?")


def _check_regions(regions: dict[str, list[str]], path: str) -> None:
    region_of: dict[str, str] = {}
    for region, countries in regions.items():
        for country in countries:
            if country in region_of:
                raise ScoringConfigError(f"{path}: country {country} is in two regions: '{region_of[country]}' and '{region}'")
            region_of[country] = region


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _check_caps(config: dict, path: str) -> None:
    caps = config["score_caps"]
    if sum(caps.values()) != 100:
        raise ScoringConfigError(f"{path}: key 'score_caps' must add up to 100 (the total score's range), got {sum(caps.values()):g}")
    tiers = config["tiers"]
    thresholds = [
        ("tiers.min_fit", tiers["min_fit"], "fit"),
        # the tiers with thresholds of their own (tiers.tier_1, tiers.tier_2)
        *((f"tiers.{tier}.min_{score}", tiers[tier][f"min_{score}"], score) for tier in TIERS[:2] for score in ("fit", "intent")),
        ("tiers.quadrant.high_fit", tiers["quadrant"]["high_fit"], "fit"),
        ("tiers.quadrant.high_intent", tiers["quadrant"]["high_intent"], "intent"),
    ]
    for key, value, score in thresholds:
        if value > caps[score]:
            raise ScoringConfigError(
                f"{path}: key '{key}' is {value:g}, above the {score} score's cap of {caps[score]:g} (score_caps.{score})"
            )


def _check_order(config: dict, path: str) -> None:
    tiers = config["tiers"]
    rules = [
        ("tiers.tier_2.min_fit", tiers["tier_2"]["min_fit"], "tiers.min_fit", tiers["min_fit"]),
        ("tiers.tier_1.min_fit", tiers["tier_1"]["min_fit"], "tiers.tier_2.min_fit", tiers["tier_2"]["min_fit"]),
        ("tiers.tier_1.min_intent", tiers["tier_1"]["min_intent"], "tiers.tier_2.min_intent", tiers["tier_2"]["min_intent"]),
        ("tiers.tier_1.min_total", tiers["tier_1"]["min_total"], "tiers.tier_2.min_total", tiers["tier_2"]["min_total"]),
    ]
    for high_key, high, low_key, low in rules:
        if high < low:
            raise ScoringConfigError(f"{path}: thresholds in the wrong order: '{high_key}' ({high:g}) is below '{low_key}' ({low:g})")
    for bands in ("employee_bands", "revenue_bands"):
        mins = [band["min"] for band in config["fit"][bands]]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            raise ScoringConfigError(f"{path}: key 'fit.{bands}' must list bands by increasing, distinct 'min'")
    for bands in ("employee_bands", "revenue_bands", "engagement_bands"):
        edges = config["discovery"][bands]
        if not edges or edges != sorted(edges) or len(set(edges)) != len(edges):
            raise ScoringConfigError(f"{path}: key 'discovery.{bands}' must list band lower bounds, increasing and distinct")
    _check_countries(config, path)
    _check_regions(config["discovery"]["regions"], path)
    if not config["buying_group"]["roles"]:
        raise ScoringConfigError(f"{path}: key 'buying_group.roles' must list at least one role")
    for tier, target in config["review"]["targets"].items():
        if target["min"] > target["max"]:
            raise ScoringConfigError(f"{path}: key 'review.targets.{tier}' has min {target['min']:g} above max {target['max']:g}")
    hysteresis = config["hysteresis"]
    if hysteresis["demotion_days"] > hysteresis["lookback_days"]:
        raise ScoringConfigError(
            f"{path}: key 'hysteresis.demotion_days' ({hysteresis['demotion_days']}) must not exceed "
            f"'hysteresis.lookback_days' ({hysteresis['lookback_days']})"
        )
