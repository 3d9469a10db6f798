"""The scoring rules file: invalid rules fail before any model runs, naming the key."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from dagster_project.settings import DEFAULT_SCORING_CONFIG
from dagster_project.transform.scoring_config import DEFAULT_TARGETS, ScoringConfigError, load_scoring_config, validate


@pytest.fixture()
def rules() -> dict:
    return yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())


def test_the_shipped_rules_are_valid():
    config = load_scoring_config(DEFAULT_SCORING_CONFIG)
    assert config["tiers"]["tier_1_cap"] > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["intent"].update(half_lfe_days=3), "unknown key 'intent.half_lfe_days'"),
        (lambda c: c["intent"]["topics"].update(ETL=1.5), "key 'intent.topics.ETL' is 1.5, outside the allowed range 0 to 1"),
        (lambda c: c["fit"]["industries"].update(Software="high"), "key 'fit.industries.Software' must be a number"),
        (lambda c: c["tiers"]["tier_1"].update(min_fit=20), "'tiers.tier_1.min_fit' (20) is below 'tiers.tier_2.min_fit' (30)"),
        (lambda c: c["tiers"]["tier_2"].update(min_total=80), "'tiers.tier_1.min_total' (70) is below 'tiers.tier_2.min_total' (80)"),
        (lambda c: c["hysteresis"].pop("demotion_days"), "missing key 'hysteresis.demotion_days'"),
        (
            lambda c: c["contacts"]["decision_maker_title_patterns"].append("(unclosed"),
            "'contacts.decision_maker_title_patterns[7]' is not a valid regular expression",
        ),
        (lambda c: c["fit"]["employee_bands"].reverse(), "'fit.employee_bands' must list bands by increasing"),
        (lambda c: c["hierarchy"].update(roll_up_intent="yes"), "key 'hierarchy.roll_up_intent' must be true or false, got 'yes'"),
        (
            lambda c: c["buying_group"]["roles"]["champion"].pop("needed"),
            "missing key 'buying_group.roles.champion.needed'",
        ),
        (lambda c: c["buying_group"].update(min_tier_1_coverage=60), "'buying_group.min_tier_1_coverage' is 60, outside"),
        (lambda c: c["buying_group"].update(roles={}), "key 'buying_group.roles' must list at least one role"),
        (
            lambda c: c["exclusions"]["countries"].append("RUS"),
            "'exclusions.countries' lists 'RUS', which is not an ISO country code (US, GB, ...); did you mean RU?",
        ),
        (lambda c: c["fit"]["target_countries"]["countries"].append("Germny"), "did you mean DE?"),
        (
            lambda c: c["discovery"]["regions"]["EMEA"].append("XX"),
            "'discovery.regions.EMEA' lists 'XX', which is not an ISO country code (US, GB, ...)",
        ),
        (lambda c: c["gate"]["moves"].pop("accounts_lost"), "missing key 'gate.moves.accounts_lost'"),
        (lambda c: c["review"].update(dates=["2027-13-01"]), "key 'review.dates[0]' must be a date (YYYY-MM-DD), got '2027-13-01'"),
        (lambda c: c["review"]["targets"].update(tier_1={"min": 60, "max": 50}), "'review.targets.tier_1' has min 60 above max 50"),
        (lambda c: c["score_caps"].update(fit=60), "key 'score_caps' must add up to 100 (the total score's range), got 110"),
        (
            lambda c: c["score_caps"].update(intent=20, engagement=30) or c["tiers"]["tier_1"].update(min_intent=25),
            "key 'tiers.tier_1.min_intent' is 25, above the intent score's cap of 20 (score_caps.intent)",
        ),
    ],
)
def test_invalid_rules_name_the_key(rules, change, message):
    broken = copy.deepcopy(rules)
    change(broken)
    with pytest.raises(ScoringConfigError) as error:
        validate(broken, "scoring.yml")
    assert message in str(error.value)


def test_unreadable_yaml_names_the_file(tmp_path):
    path = tmp_path / "scoring.yml"
    path.write_text("fit: [unclosed")
    with pytest.raises(ScoringConfigError, match=str(path)):
        load_scoring_config(Path(path))


def test_a_name_the_exports_hold_nearly_but_not_quite_is_a_typo_with_a_suggestion(rules):
    from dagster_project.transform.scoring_config import check_against_data

    seen = {"industries": {"Software", "Computer Software", "Retail"}, "technologies": {"Snowflake", "dbt"}}
    check_against_data(rules, seen)  # the shipped names: Healthcare, say, which no account has, is no typo
    typo = copy.deepcopy(rules)
    typo["fit"]["industries"]["Sofware"] = typo["fit"]["industries"].pop("Software")
    with pytest.raises(ScoringConfigError, match="'fit.industries' names 'Sofware', which no loaded export holds; did you mean 'Software'"):
        check_against_data(typo, seen)
    typo = copy.deepcopy(rules)
    typo["fit"]["technologies"]["signals"]["Snowflak"] = 5
    with pytest.raises(ScoringConfigError, match="did you mean 'Snowflake'"):
        check_against_data(typo, seen)
    check_against_data(typo, {})  # nothing loaded yet: nothing to check against


def test_rules_written_before_the_review_calendar_load_without_one(tmp_path):
    """A rules file without `review:` (or with only its dates) loads, with no calendar and the default targets."""
    rules = yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())
    rules.pop("review")
    path = tmp_path / "scoring.yml"
    path.write_text(yaml.safe_dump(rules))
    assert load_scoring_config(path)["review"] == {"quarterly": False, "dates": [], "targets": DEFAULT_TARGETS}
    rules["review"] = {"dates": [dt.date(2027, 1, 4)]}
    path.write_text(yaml.safe_dump(rules))
    assert load_scoring_config(path)["review"] == {"quarterly": False, "dates": ["2027-01-04"], "targets": DEFAULT_TARGETS}
