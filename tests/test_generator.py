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
