"""The sample generator: deterministic for a seed, messy the way real exports are, every format."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb

from dagster_project.sample_data.generator import SampleSpec, generate
from tests.conftest import SAMPLE_END, SAMPLE_SPEC


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    spec = SampleSpec(accounts=200, days=3, seed=1, end_date=dt.date(2026, 5, 1))
    generate(spec, tmp_path / "a")
    generate(spec, tmp_path / "b")
    generate(SampleSpec(accounts=200, days=3, seed=2, end_date=dt.date(2026, 5, 1)), tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_one_folder_per_source_and_date_in_every_format(sample_landing):
    folders = {(p.parent.name, p.name) for p in sample_landing.glob("*/*")}
    for source in ("crm_accounts", "crm_contacts", "crm_opportunities", "crm_activities", "intent"):
        assert (source, SAMPLE_END.isoformat()) in folders
    names = {p.name for p in sample_landing.rglob("*") if p.is_file()}
    assert {
        "Account.csv",
        "Account_extract.csv.gz",
        "accounts.parquet",
        "hubspot-crm-exports-all-companies.csv",
        "Contact.csv",
        "hubspot-crm-exports-all-contacts.csv",
        "bombora_company_surge.csv",
        "first_party_intent.jsonl",
        "hg_insights_install_base.csv",
        "builtwith_export.parquet",
        "verifier_results.csv",
        "activities.jsonl",
        "activities.csv.gz",
    } <= names
    assert len({p.name for p in (sample_landing / "crm_accounts").iterdir()}) == SAMPLE_SPEC.days


def test_the_data_is_messy_like_real_exports(sample_landing):
    accounts = sample_landing / "crm_accounts" / SAMPLE_END.isoformat()
    (file,) = list(accounts.iterdir())
    con = duckdb.connect()
    table = f"read_csv('{file}', all_varchar = true)" if ".csv" in file.name else f"read_parquet('{file}')"
    (variants, upper, dup_names, missing_industry) = con.execute(
        f"""select count(*) filter (where "Website" like 'https://%' or "Website" like 'www.%'),
                   count(*) filter (where "Website" <> lower("Website")),
                   count(*) filter (where "Name" like '%, INC.'),
                   count(*) filter (where "Industry" is null)
            from {table}"""
    ).fetchone()
    assert variants > 0 and upper > 0 and dup_names > 0 and missing_industry > 0
    contacts = next((sample_landing / "crm_contacts" / SAMPLE_END.isoformat()).iterdir())
    (bounced, old) = con.execute(
        f"""select count(*) filter (where "IsEmailBounced"),
                   count(*) filter (where cast("LastActivityDate" as date) < date '{SAMPLE_END}' - interval 2 year)
            from read_csv('{contacts}')"""
    ).fetchone()
    assert bounced > 0 and old > 0


def test_owners_who_touch_their_accounts_more_win_more_of_their_deals(tmp_path):
    """The sample's owners differ in diligence: those whose teams touch their accounts most often
    (OUT- activities) win a larger share of their closed deals, so a play run on time converts better."""
    spec = SampleSpec(accounts=3000, days=10, seed=5, end_date=dt.date(2026, 5, 1))
    generate(spec, tmp_path, sources=("crm_accounts", "crm_opportunities", "crm_activities"))
    last = tmp_path / "{}" / spec.last_day.isoformat()
    accounts, deals = str(last).format("crm_accounts") + "/Account.csv", str(last).format("crm_opportunities") + "/Opportunity.csv"
    touches = str(tmp_path / "crm_activities" / "*" / "activities.csv*")
    by_owner = (
        duckdb.connect()
        .execute(
            f"""with accounts as (select "Id" as account_id, "OwnerId" as owner_id from read_csv('{accounts}')),
                 touched as (select account_id, count(*) as touches from read_csv('{touches}', union_by_name = true)
                             where activity_id like 'OUT-%' group by account_id),
                 won as (select "AccountId" as account_id, count(*) filter (where "IsWon") as won, count(*) as closed
                         from read_csv('{deals}') where "IsClosed" group by 1)
            select owner_id, sum(coalesce(touches, 0)) / count(*) as touches_per_account, sum(won) / sum(closed) as win_rate
            from accounts left join touched using (account_id) left join won using (account_id)
            group by owner_id order by touches_per_account"""
        )
        .fetchall()
    )
    assert len(by_owner) == 12
    least, most = by_owner[:6], by_owner[6:]
    assert most[-1][1] > 3 * least[0][1], "the most diligent owner touches far more often than the least"
    assert sum(rate for *_, rate in most) / 6 > sum(rate for *_, rate in least) / 6 + 0.08, by_owner
