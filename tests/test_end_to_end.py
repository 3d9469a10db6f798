"""The whole pipeline through Dagster, real dbt and DuckDB, on a small generated sample."""

from __future__ import annotations

import re

import duckdb
import pytest

from dagster_project.cli import run_job
from tests.conftest import SAMPLE_END
from tests.handbuilt import PERFECT_ID, TWIN_ID, add_handbuilt_accounts


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, sample_landing):
    """Run the nightly job once for the sample's last date; tests read its results."""
    import shutil

    data = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(sample_landing, data / "landing")
    add_handbuilt_accounts(data / "landing", SAMPLE_END)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ABM_DATA_DIR", str(data))
        env.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        result = run_job(SAMPLE_END)
    return data, result


def published(data, query):
    with duckdb.connect(str(data / "published" / "serving.duckdb"), read_only=True) as con:
        return con.execute(query).fetchall()


def test_run_succeeds_and_is_recorded_in_the_instance(pipeline_run):
    data, result = pipeline_run
    assert result.success
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(data / "dagster_home")) as instance:
        runs = instance.get_runs()
        assert [r.run_id for r in runs] == [result.run_id]
        assert runs[0].job_name == "abm_nightly"


def test_every_account_scored_once_with_scores_in_range(pipeline_run):
    data, _ = pipeline_run
    (rows, accounts, bad) = published(
        data,
        """select count(*), count(distinct account_id),
                  count(*) filter (where not (fit_score between 0 and 50 and intent_score between 0 and 30
                      and engagement_score between 0 and 20 and total_score between 0 and 100
                      and abs(total_score - fit_score - intent_score - engagement_score) < 1e-6))
           from account_tiers""",
    )[0]
    assert rows == accounts
    assert bad == 0
    # every live CRM account of the day, after merging duplicates that share a domain
    with duckdb.connect() as con:
        (expected,) = con.execute(
            f"""select count(distinct coalesce(domain, account_id))
                from read_parquet('{data}/raw/crm_accounts/export_date={SAMPLE_END}/*.parquet')
                where not coalesce(is_deleted, false)"""
        ).fetchone()
    assert accounts == expected


def test_each_tier_is_used_and_every_row_explains_itself(pipeline_run):
    data, _ = pipeline_run
    tiers = dict(published(data, "select tier, count(*) from account_tiers group by tier"))
    assert set(tiers) == {"tier_1", "tier_2", "tier_3", "disqualified"}
    assert published(data, "select count(*) from account_tiers where tier_reason is null or tier_reason = ''") == [(0,)]
    assert published(data, "select count(*) from account_tiers where play_motion is null") == [(0,)]


def test_handbuilt_perfect_account_is_tier_1_and_its_twin_without_intent_is_not(pipeline_run):
    data, _ = pipeline_run
    rows = dict(
        (account_id, (tier, fit, intent, reason))
        for account_id, tier, fit, intent, reason in published(
            data,
            f"select account_id, tier, fit_score, intent_score, tier_reason from account_tiers "
            f"where account_id in ('{PERFECT_ID}', '{TWIN_ID}')",
        )
    )
    perfect, twin = rows[PERFECT_ID], rows[TWIN_ID]
    assert perfect[0] == "tier_1", perfect
    assert perfect[1] == 50 and perfect[2] > 20
    assert twin[1] == 50 and twin[2] == 0
    assert twin[0] != "tier_1", twin
    assert "surge on 'data pipelines'" in perfect[3]


def test_published_tables_hold_no_email_addresses(pipeline_run):
    data, _ = pipeline_run
    with duckdb.connect(str(data / "published" / "serving.duckdb"), read_only=True) as con:
        columns = con.execute("select table_name, column_name from information_schema.columns where data_type = 'VARCHAR'").fetchall()
        for table, column in columns:
            (hits,) = con.execute(
                f"select count(*) from {table} where regexp_matches(\"{column}\", '[^@\\s]+@[^@\\s]+\\.[a-z]+')"
            ).fetchone()
            assert hits == 0, f"{table}.{column} holds email addresses"

    # nor do the data-quality reports and the run logs beside them (a masked example reads ***@domain)
    address = re.compile(r"[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-]@[A-Za-z0-9-]+\.[A-Za-z.]+")
    written = [p for folder in ("reports", "logs", "alerts") for p in (data / folder).rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in written)
    for path in written:
        found = address.findall(path.read_text(errors="replace"))
        assert not found, f"{path} holds e-mail addresses, e.g. {found[:2]}"


def test_owner_and_cluster_counts_add_up_to_the_current_tiers(pipeline_run):
    data, _ = pipeline_run
    by_tier = dict(published(data, "select tier, count(*) from account_tiers group by tier"))
    assert dict(published(data, "select tier, sum(accounts) from tier_segments group by tier")) == by_tier
    assert published(data, "select sum(accounts) from tier_2_clusters") == [(by_tier["tier_2"],)]
    (metrics,) = published(data, f"select tier_1_accounts, tier_2_accounts from tier_metrics where as_of_date = '{SAMPLE_END}'")
    assert metrics == (by_tier["tier_1"], by_tier["tier_2"])


def test_every_current_account_has_its_play_status_and_a_first_run_finds_none_overdue(pipeline_run):
    data, _ = pipeline_run
    tiers = dict(published(data, "select account_id, play_status from account_tiers"))
    plays = dict(published(data, "select account_id, play_status from account_plays"))
    assert plays == tiers
    statuses = set(plays.values())
    # every account enters its play on the first date: only a touch that day (on time) decides one
    assert statuses <= {"on_time", "pending", "no_play"} and "on_time" in statuses and "pending" in statuses
    (wrong,) = published(
        data,
        "select count(*) from account_plays where (play_status = 'on_time') <> (first_touch_date is not null and tier <> 'disqualified')",
    )[0]
    assert wrong == 0
    by_tier = published(data, "select tier, count(*) from account_plays where tier <> 'disqualified' group by tier order by tier")
    assert published(data, "select tier, sum(accounts_entered) from play_adherence group by tier order by tier") == by_tier
