"""The data-quality gate with real GX and Dagster: bad data blocks the publish and the last good tiers stay."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from dagster_project.cli import run_job
from dagster_project.settings import REPO_ROOT, paths
from tests.conftest import SAMPLE_END


def serving_digest() -> str:
    return hashlib.sha256(paths().serving_db.read_bytes()).hexdigest()


def published_tiers() -> list[tuple]:
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        return con.execute("select * from account_tiers order by account_id").fetchall()


def failed_checks(result) -> dict[str, str]:
    """Checks that failed with ERROR severity (warnings, such as messy verifier duplicates, do not block)."""
    from dagster import AssetCheckSeverity

    return {
        e.check_name: e.description for e in result.get_asset_check_evaluations() if not e.passed and e.severity == AssetCheckSeverity.ERROR
    }


def contacts_export(day: dt.date):
    (path,) = [p for p in (paths().landing / "crm_contacts" / day.isoformat()).iterdir()]
    return path


def mark_contacts_left(day: dt.date, accounts: set[str]) -> bytes:
    """Every contact of the accounts marked as having left the company; returns the export as it was."""
    path = contacts_export(day)
    original = path.read_bytes()
    contacts = pd.read_csv(path, dtype=str, keep_default_na=False)
    contacts.loc[contacts["AccountId"].isin(accounts), "No_Longer_With_Company__c"] = "true"
    contacts.to_csv(path, index=False)
    return original


def test_tier_1_without_verified_contacts_warns_and_publishes_and_a_broken_contacts_export_blocks(published_yesterday):
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        reachable = [
            a for (a,) in con.execute("select account_id from account_tiers where tier = 'tier_1' and is_reachable order by 1").fetchall()
        ]
    assert len(reachable) >= 6

    # A business condition: three tier 1 accounts lose their last verified decision-maker. The run
    # publishes, and says so in its checks and the data-quality report.
    original = mark_contacts_left(SAMPLE_END, set(reachable[:3]))
    result = run_job(SAMPLE_END)
    assert result.success
    gate = next(e for e in result.get_asset_check_evaluations() if e.check_name == "account_tiers_gate")
    assert not gate.passed and gate.severity.value == "WARN"
    assert gate.metadata["unreachable_tier_1_share"].value > 0.5
    assert "source verified contacts first" in gate.description
    summary = (paths().reports / "data_quality_latest.html").read_text().split("<h2>", 2)[1]
    assert "Nothing here stops the publish" in summary and "unreachable_tier_1_share" in summary

    # A contacts export that marks everyone as gone takes every tier 1 account's reach at once: blocked.
    path = contacts_export(SAMPLE_END)
    path.write_bytes(original)
    before_rows, before_digest = published_tiers(), serving_digest()
    mark_contacts_left(SAMPLE_END, set(pd.read_csv(path, dtype=str)["AccountId"]))
    result = run_job(SAMPLE_END)
    assert not result.success
    message = failed_checks(result)["tier_movement_gate"]
    assert "tier 1 accounts lost their last verified decision-maker" in message and "--accept-change" in message
    assert "crm_contacts" in message
    assert serving_digest() == before_digest and published_tiers() == before_rows
    assert (paths().reports / "data_quality_latest.html").read_text().count("BLOCKED") >= 1


def test_a_duplicated_key_fails_the_raw_suite_with_the_example_and_nothing_is_scored(landed):
    folder = paths().landing / "crm_accounts" / SAMPLE_END.isoformat()
    (path,) = list(folder.iterdir())
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    duplicate_id = frame.iloc[3]["Id"]
    extra = frame.iloc[[3]].assign(Name="Copy of " + frame.iloc[3]["Name"], Website="copy-domain.example")
    pd.concat([frame, extra]).to_csv(path, index=False)

    result = run_job(SAMPLE_END)
    assert not result.success
    failures = failed_checks(result)
    assert set(failures) == {"raw_crm_accounts_suite"}
    message = failures["raw_crm_accounts_suite"]
    assert "expect_column_values_to_be_unique(account_id): FAILED (2 failing rows" in message
    assert duplicate_id in message
    assert f"in {path.name} rows 4, {len(frame) + 1}" in message  # the file and rows to fix
    # the data-quality report says it first, in words, with what to do
    summary = (paths().reports / "data_quality_latest.html").read_text().split("<h2>", 2)[1]
    assert summary.startswith("Summary") and "The publish was stopped" in summary
    assert f"rows 4, {len(frame) + 1}" in summary
    assert f"abm quarantine crm_accounts {SAMPLE_END}" in summary
    assert not paths().serving_db.exists()
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/crm_accounts" in materialized
    assert not materialized & {"account_tiers", "account_tier_history", "published_tiers"}


def test_date_ranges_fail_on_dates_before_after_and_beyond_what_nanoseconds_hold():
    from dagster_project.quality.gx_suites import validate

    # DuckDB hands pandas microsecond datetimes; 9999-12-31 (a common CRM sentinel) does not fit in
    # nanoseconds, so that column is validated as it is rather than converted.
    signal_dates = ["2026-10-30", "1850-01-01", "2026-12-25", "9999-12-31"]
    frame = pd.DataFrame(
        {
            "domain": ["acme.com", "beta.io", "gamma.co", "delta.net"],
            "topic": ["ETL"] * 4,
            "score": [60.0] * 4,
            "signal_date": pd.to_datetime(signal_dates).astype("datetime64[us]"),
            "_source_file": ["bombora.csv"] * 4,
            "_export_date": pd.to_datetime(["2026-10-31"] * 4).astype("datetime64[us]"),
        }
    )
    from dagster_project.quality.checks import raw_suite_parameters

    parameters = raw_suite_parameters("raw_intent", dt.date(2026, 10, 31), dt.date(2026, 10, 31))
    # (blocking: before 1900 or over a year after the export; warning: after the export date)
    for dates, implausible, after_export in ((frame, 2, 3), (frame.iloc[:3], 1, 2)):
        outcome = validate("raw_intent", "intent", dates, parameters)
        blocking, warning = [o for o in outcome.outcomes if o.column == "signal_date"]
        assert (blocking.blocking, warning.blocking) == (True, False)
        assert (blocking.unexpected_count, warning.unexpected_count) == (implausible, after_export)


def test_a_blanked_industry_blocks_on_its_first_day_naming_the_column_until_someone_accepts_it(published_yesterday):
    before = serving_digest()
    (path,) = list((paths().landing / "crm_accounts" / SAMPLE_END.isoformat()).iterdir())
    accounts = pd.read_csv(path, dtype=str, keep_default_na=False)
    accounts.assign(Industry="").to_csv(path, index=False)

    blocked = run_job(SAMPLE_END)
    assert not blocked.success
    message = failed_checks(blocked)["tier_movement_gate"]
    assert "accounts changed firmographic points" in message
    assert f"crm_accounts export {SAMPLE_END}" in message and "column Industry (industry) empty on 100% of rows" in message
    assert "--accept-change" in message
    assert serving_digest() == before

    accepted = run_job(SAMPLE_END, accept_change="industries dropped from the CRM on purpose")
    assert accepted.success
    gate = next(e for e in accepted.get_asset_check_evaluations() if e.check_name == "tier_movement_gate")
    assert gate.metadata["change_accepted_because"].value == "industries dropped from the CRM on purpose"
    assert gate.metadata["moves_beyond_limit"].value > 0
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        assert instance.get_run_by_id(accepted.run_id).tags["abm/accept_change"] == "industries dropped from the CRM on purpose"
    assert serving_digest() != before


def test_swapped_headers_are_refused_on_a_first_run_naming_both_columns(landed):
    (path,) = list((paths().landing / "crm_accounts" / SAMPLE_END.isoformat()).iterdir())
    accounts = pd.read_csv(path, dtype=str, keep_default_na=False)
    accounts.rename(columns={"Industry": "BillingCountry", "BillingCountry": "Industry"}).to_csv(path, index=False)

    result = run_job(SAMPLE_END)
    assert not result.success
    message = failed_checks(result)["raw_crm_accounts_suite"]
    assert "column Industry holds country values" in message and "column BillingCountry holds industry values" in message
    assert "were the headers BillingCountry and Industry swapped?" in message
    assert not paths().serving_db.exists()


def test_frames_are_validated_without_gx_fingerprinting_them():
    from dagster_project.quality.gx_suites import _batch_definition

    # GX hashes every frame under 1 GB for a batch marker the checks never read (a third of a suite's
    # time); the setting that skips it must still take effect in the pinned GX.
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": pd.DataFrame({"domain": ["acme.com"]})})
    assert "pandas_data_fingerprint" not in batch.batch_markers
    assert "ge_load_time" in batch.batch_markers


def test_gx_is_imported_once_on_a_thread_that_the_suites_then_share():
    # In a fresh interpreter: the test session has long imported GX.
    script = """
import sys, threading
from dagster_project.quality import gx_suites
assert "great_expectations" not in sys.modules
gx_suites.prepare_in_background()
gx_suites.prepare_in_background()
started = [thread for thread in threading.enumerate() if thread.name == "gx-import"]
first = gx_suites._batch_definition()
shared = first is gx_suites._batch_definition()
print(len(started), "great_expectations" in sys.modules, shared, gx_suites._new_batch_definition.cache_info().misses)
"""
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT).stdout.split()
    assert shown == ["1", "True", "True", "1"]


def test_a_suite_validated_column_by_column_and_partly_in_sql_says_what_gx_says_on_the_whole_frame(tmp_path):
    from dagster_project.quality.checks import raw_suite_parameters
    from dagster_project.quality.gx_suites import _outcome_of, _validate_frame, load_suite_document, validate, validate_parquet

    dates = pd.to_datetime(["2026-10-30", "1850-01-01", "2026-10-30", "2026-12-25", "2026-10-29"]).astype("datetime64[us]")
    frame = pd.DataFrame(
        {
            "domain": ["acme.com", None, "acme.com", "not a domain", "beta.io"],
            "topic": ["ETL", "ETL", "ETL", None, "CDP"],
            "score": [60.0, 250.0, 60.0, 10.0, None],
            "signal_date": dates,
            "metro_area": ["Paris", "Paris", "Paris", None, None],
            "_source_file": ["bombora.csv"] * 5,
            "_export_date": pd.to_datetime(["2026-10-31"] * 5).astype("datetime64[us]"),
        }
    )
    parameters = raw_suite_parameters("raw_intent", dt.date(2026, 10, 31), dt.date(2026, 10, 31))
    document = load_suite_document("raw_intent")
    whole = [_outcome_of(item) for item in _validate_frame(document, document["expectations"], frame, parameters).results]
    by_columns = validate("raw_intent", "intent", frame, parameters).outcomes
    assert by_columns == whole
    assert sum(not o.success for o in whole) >= 5  # nulls, a bad domain, a duplicate, a score and dates out of range
    # as the raw checks run it: compound uniqueness in DuckDB on the Parquet files, GX on a frame read from them
    frame.to_parquet(tmp_path / "export.parquet")
    assert validate_parquet("raw_intent", "intent", f"{tmp_path}/*.parquet", parameters).outcomes == whole


def test_uniqueness_in_duckdb_finds_the_rows_examples_and_verdict_gx_finds(tmp_path):
    import numpy as np

    from dagster_project.quality.gx_suites import MAX_EXAMPLES, _outcome_of, _register_rows, _sql_outcome, _validate_frame
    from dagster_project.scratch import in_memory_duckdb

    def in_duckdb(expectation, rows):
        with in_memory_duckdb() as con:
            _register_rows(con, rows)
            return _sql_outcome(con, expectation)

    # repeated combinations interleaved across three files, nulls equal to nulls, all-null rows left out
    rng = np.random.default_rng(7)
    keys = pd.DataFrame({"domain": rng.choice(["acme.com", "beta.io", None], 3000), "week": rng.integers(0, 400, 3000)})
    keys["signal_date"] = pd.Timestamp("2026-01-05") + pd.to_timedelta(keys.pop("week") * 7, "D")
    keys.loc[keys.index % 97 == 0, ["domain", "signal_date"]] = None
    files = [keys.iloc[:700], keys.iloc[700:2100], keys.iloc[2100:]]
    for number, part in enumerate(files):
        part.to_parquet(tmp_path / f"part-{number}.parquet")
    verdicts = set()
    compound = ("expect_compound_columns_to_be_unique", {"column_list": ["domain", "signal_date"]})
    column = ("expect_column_values_to_be_unique", {"column": "signal_date"})
    for (kind, kwargs), mostly in itertools.product((compound, column), (1, 0.05, 0.5)):
        expectation = {
            "type": kind,
            "kwargs": {**kwargs, **({"mostly": mostly} if mostly < 1 else {})},
            "meta": {"blocking": False, "notes": "one row per company and week"},
        }
        document = {"name": "t", "expectations": [expectation]}
        in_gx = _outcome_of(_validate_frame(document, [expectation], keys, {}).results[0])
        assert in_gx.unexpected_count > 1000 and len(in_gx.examples) == MAX_EXAMPLES
        assert in_duckdb(expectation, keys) == in_gx
        assert in_duckdb(expectation, f"{tmp_path}/*.parquet") == in_gx
        verdicts.add(in_gx.success)
    assert verdicts == {True, False}  # `mostly` let one through and not another


@pytest.mark.slow
def test_a_small_books_first_backfill_publishes_every_date_without_accepting_a_change(data_dir):
    from dagster_project.sample_data.generator import SampleSpec, generate

    spec = SampleSpec(accounts=40, days=21, seed=11, end_date=SAMPLE_END)
    generate(spec, paths().landing)
    first, last = spec.export_dates[0], spec.export_dates[-1]
    result = run_job(first, last)
    assert result.success, failed_checks(result)
    with duckdb.connect(str(paths().serving_db), read_only=True) as con:
        dates = con.execute("select count(distinct as_of_date) from account_tier_history").fetchone()[0]
        judged = con.execute("select count(distinct as_of_date), count(*) from tier_movement_checks").fetchone()
    assert dates == 21 and judged[0] == 20  # every date after the first judged against its neighbour


def test_the_tiers_suite_takes_the_tiers_and_the_score_caps_from_the_rules():
    """account_tiers.json holds no tier list or cap: a fit of 45 passes under the shipped caps and
    blocks once the rules cap fit at 40; a tier the rules do not know blocks."""
    from dagster_project.quality.checks import account_tiers_parameters
    from dagster_project.quality.gx_suites import suite_columns, validate
    from dagster_project.settings import DEFAULT_SCORING_CONFIG
    from dagster_project.transform.scoring_config import load_scoring_config

    shipped = load_scoring_config(DEFAULT_SCORING_CONFIG)
    row = {"account_id": "A", "tier": "tier_1", "fit_score": 45.0, "intent_score": 25.0, "engagement_score": 15.0}
    row |= {"total_score": 85.0, "tier_reason": "Tier 1: ...", "hierarchy_issue": None}
    frame = pd.DataFrame([row, {**row, "account_id": "B", "tier": "tier_0"}])[list(suite_columns("account_tiers"))]

    def blocked(rules, rows):
        outcome = validate("account_tiers", "account_tiers", rows, account_tiers_parameters(rules))
        return sorted(o.column for o in outcome.blocking_failures)

    assert blocked(shipped, frame.iloc[:1]) == []
    assert blocked(shipped, frame) == ["tier"]
    fit_capped_at_40 = {**shipped, "score_caps": {"fit": 40, "intent": 30, "engagement": 30}}
    assert blocked(fit_capped_at_40, frame.iloc[:1]) == ["fit_score"]
