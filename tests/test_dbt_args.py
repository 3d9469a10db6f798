"""The dbt argument builder: one `dbt build` per run, with the as-of range and the rules as vars."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dagster_project.transform.dbt_args import dbt_build_args


def test_one_build_for_the_whole_range_with_the_rules_as_vars():
    args = dbt_build_args(dt.date(2026, 1, 1), dt.date(2026, 1, 31), {"tiers": {"tier_1_cap": 5}})
    assert args[:2] == ["build", "--vars"]
    assert args[3:] == ["--exclude-resource-type", "unit_test"]
    assert json.loads(args[2]) == {
        "as_of_start": "2026-01-01",
        "as_of_end": "2026-01-31",
        "scoring": {"tiers": {"tier_1_cap": 5}},
        "publish_emails": False,
    }


def test_publishing_emails_is_opt_in():
    args = dbt_build_args(dt.date(2026, 1, 1), dt.date(2026, 1, 1), {}, publish_emails=True)
    assert json.loads(args[2])["publish_emails"] is True


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        dbt_build_args(dt.date(2026, 1, 2), dt.date(2026, 1, 1), {})
