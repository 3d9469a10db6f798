"""Ingest of exports as the tools write them: formats, mappings, strict parsing, rejects, atomicity."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import re

import duckdb
import pytest

from dagster_project.ingest.loader import ExportRejected, load_export, load_pending
from dagster_project.ingest.parsing import install_macros
from dagster_project.settings import Paths
from tests.conftest import write_text

DAY = dt.date(2026, 3, 2)
BOM = "\ufeff"


@pytest.fixture()
def locations(data_dir) -> Paths:
    return Paths(data_dir)


def landing(paths: Paths, source: str, day: dt.date = DAY):
    return paths.landing / source / day.isoformat()


def query(sql: str):
    with duckdb.connect() as con:
        return con.execute(sql).df()


def raw_rows(paths: Paths, source: str, day: dt.date = DAY, order_by: str = "_source_file, _row_number"):
    return query(f"select * from read_parquet('{paths.raw}/{source}/export_date={day}/*.parquet') order by {order_by}")


def rejects(paths: Paths, source: str, day: dt.date = DAY):
    return query(f"select * from read_parquet('{paths.rejects}/{source}/export_date={day}/*.parquet') order by row_number")


SALESFORCE_ACCOUNTS = (
    BOM
    + "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry,IsDeleted,CreatedDate,Description\n"
    + '001A,"Acme, Inc.",HTTPS://WWW.Acme.com/about,Software,"1,200","$5,000,000",US,no,03/25/2024,"Line one\nline two"\n'
    + "001B,Globex,globex.io.,,45,,DE,0,2024-02-01T10:00:00.000Z,\n"
)


def test_salesforce_csv_with_bom_quotes_newlines_and_thousands(locations):
    write_text(landing(locations, "crm_accounts") / "Account.csv", SALESFORCE_ACCOUNTS)
    result = load_export(locations, "crm_accounts", DAY, None)
    assert [(f.mapping, f.rows, f.rejects) for f in result.files] == [("salesforce", 2, 0)]
    rows = raw_rows(locations, "crm_accounts")
    acme, globex = rows.iloc[0], rows.iloc[1]
    assert acme["account_name"] == "Acme, Inc."
    assert acme["employees"] == 1200 and acme["annual_revenue"] == 5_000_000
    assert acme["domain"] == "acme.com" and globex["domain"] == "globex.io"
    assert acme["is_deleted"] == False  # noqa: E712 - a numpy bool
    assert str(acme["created_date"])[:10] == "2024-03-25" and str(globex["created_date"])[:10] == "2024-02-01"
    assert acme["_source_file"] == "Account.csv" and list(rows["_row_number"]) == [1, 2]
    assert str(acme["_export_date"])[:10] == DAY.isoformat()
    assert globex["industry"] is None or globex["industry"] != globex["industry"]


def test_hubspot_contacts_semicolon_delimited_with_ui_headers(locations):
    write_text(
        landing(locations, "crm_contacts") / "hubspot-contacts.csv",
        BOM + "Record ID;First Name;Last Name;Email;Job Title;Associated Company ID;Last Activity Date\n"
        "501;Ana;Ruiz;Ana.Ruiz@Example.COM;VP Data;77;11/30/2025\n",
    )
    result = load_export(locations, "crm_contacts", DAY, None)
    assert result.files[0].mapping == "hubspot_ui"
    row = raw_rows(locations, "crm_contacts").iloc[0]
    assert (row["contact_id"], row["account_id"], row["email"], row["domain"], row["title"]) == (
        "501",
        "77",
        "ana.ruiz@example.com",
        "example.com",
        "VP Data",
    )
    assert str(row["last_activity_date"])[:10] == "2025-11-30"


def test_hubspot_internal_property_names_and_snake_case_salesforce(locations):
    write_text(
        landing(locations, "crm_accounts") / "companies.csv",
        "hs_object_id,name,domain,numberofemployees,annualrevenue\n9,Initech,initech.com,300,1000000\n",
    )
    write_text(
        landing(locations, "crm_accounts") / "sf_loader.csv",
        "id,name,website,number_of_employees,annual_revenue\n001Z,Umbrella,umbrella.com,50,2000\n",
    )
    result = load_export(locations, "crm_accounts", DAY, None)
    assert sorted(f.mapping for f in result.files) == ["hubspot_properties", "salesforce"]
    rows = raw_rows(locations, "crm_accounts", order_by="account_id")
    assert list(rows["account_id"]) == ["001Z", "9"]
    assert list(rows["employees"]) == [50, 300]


def test_gzip_csv_parquet_and_json_lines(locations):
    activities = landing(locations, "crm_activities") / "activities.csv.gz"
    activities.parent.mkdir(parents=True)
    with gzip.open(activities, "wt") as out:
        out.write("activity_id,account_id,activity_type,activity_date\nA1,001A,Meeting,2026-03-01\n")
    tech = landing(locations, "technographics") / "builtwith.parquet"
    tech.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            "copy (select 'WWW.Acme.com' as \"Domain\", 'Snowflake' as \"Technology\", 'Data' as \"Tag\", "
            f"date '2025-01-01' as \"First Detected\", date '2026-02-20' as \"Last Detected\") to '{tech}' (format parquet)"
        )
    write_text(
        landing(locations, "intent") / "g2.jsonl",
        "\n".join(
            json.dumps(r)
            for r in [
                {"domain": "https://acme.com", "topic": "ETL", "score": 88, "date": "2026-03-01"},
                {"domain": "globex.io", "topic": "data pipelines", "score": "61", "week": "2026-02-23"},
            ]
        )
        + "\n",
    )
    assert load_export(locations, "crm_activities", DAY, None).rows == 1
    assert load_export(locations, "technographics", DAY, None).files[0].mapping == "builtwith"
    assert load_export(locations, "intent", DAY, None).rows == 2
    assert raw_rows(locations, "crm_activities").iloc[0]["activity_type"] == "Meeting"
    tech_row = raw_rows(locations, "technographics").iloc[0]
    assert (tech_row["domain"], str(tech_row["last_detected"])[:10]) == ("acme.com", "2026-02-20")
    intent = raw_rows(locations, "intent", order_by="domain")
    assert list(intent["domain"]) == ["acme.com", "globex.io"]
    assert list(intent["score"]) == [88.0, 61.0]


def test_bombora_company_surge_weekly_report(locations):
    write_text(
        landing(locations, "intent") / "bombora.csv",
        "Company Name,Domain,Company Size,Industry,Topic ID,Topic Name,Composite Score,Composite Score Delta,Week Start Date\n"
        "Acme,acme.com,Large,Software,T1,data pipelines,74,6,02/23/2026\n",
    )
    result = load_export(locations, "intent", DAY, None)
    assert result.files[0].mapping == "bombora_company_surge"
    row = raw_rows(locations, "intent").iloc[0]
    assert (row["topic"], row["score"], row["score_delta"], str(row["signal_date"])[:10]) == (
        "data pipelines",
        74.0,
        6.0,
        "2026-02-23",
    )


def test_unknown_header_is_rejected_naming_the_columns_and_closest_mapping(locations):
    write_text(landing(locations, "crm_accounts") / "mystery.csv", "Company,Site\nAcme,acme.com\n")
    with pytest.raises(ExportRejected) as error:
        load_export(locations, "crm_accounts", DAY, None)
    message = str(error.value)
    assert "mystery.csv" in message and "Columns seen: [Company, Site]" in message
    assert "Closest mapping" in message and "(account_id)" in message


def test_unparseable_values_go_to_rejects_with_reasons(locations, monkeypatch):
    monkeypatch.setenv("ABM_MAX_REJECT_SHARE", "0.5")
    write_text(
        landing(locations, "crm_accounts") / "Account.csv",
        "Id,Name,Website,NumberOfEmployees,CreatedDate\n"
        "001A,Acme,acme.com,12x,2024-01-01\n"
        "001B,Globex,globex.io,40,31/31/2024\n"
        "001C,Initech,initech.com,10,2024-01-05\n"
        "001D,Hooli,hooli.com,20,2024-01-06\n",
    )
    result = load_export(locations, "crm_accounts", DAY, None)
    assert (result.rows, result.rejects) == (2, 2)
    rejected = rejects(locations, "crm_accounts")
    assert list(rejected["row_number"]) == [1, 2]
    assert "column NumberOfEmployees: 12x is not a valid integer" in rejected.iloc[0]["reason"]
    assert "column CreatedDate: 31/31/2024 is not a valid date" in rejected.iloc[1]["reason"]
    assert json.loads(rejected.iloc[0]["record"])["employees"] == "12x"
    assert sorted(raw_rows(locations, "crm_accounts")["account_id"]) == ["001C", "001D"]


def test_too_many_rejects_fail_the_file_with_examples(locations):
    write_text(
        landing(locations, "crm_accounts") / "Account.csv",
        "Id,Name,Website,NumberOfEmployees\n001A,Acme,acme.com,lots\n001B,Globex,globex.io,40\n",
    )
    with pytest.raises(
        ExportRejected, match=r"Account.csv: 1 of 2 rows \(50%\) could not be parsed.*row 1: column NumberOfEmployees: lots"
    ):
        load_export(locations, "crm_accounts", DAY, None)


def test_truncated_file_keeps_good_rows_and_rejects_the_cut_line(locations, monkeypatch):
    monkeypatch.setenv("ABM_MAX_REJECT_SHARE", "0.5")
    write_text(landing(locations, "crm_accounts") / "Account.csv", "Id,Name,Website\n001A,Acme,acme.com\n001B,Glo")
    result = load_export(locations, "crm_accounts", DAY, None)
    assert (result.rows, result.rejects) == (1, 1)
    assert "malformed line" in rejects(locations, "crm_accounts").iloc[0]["reason"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "the file is empty"), ("Id,Name,Website\n", "has a header but no data rows")],
)
def test_empty_and_header_only_files_are_rejected(locations, content, expected):
    write_text(landing(locations, "crm_accounts") / "Account.csv", content)
    with pytest.raises(ExportRejected, match=expected):
        load_export(locations, "crm_accounts", DAY, None)


def test_a_failed_export_leaves_what_was_loaded_intact(locations):
    write_text(landing(locations, "crm_accounts") / "Account.csv", SALESFORCE_ACCOUNTS)
    other_day = DAY - dt.timedelta(days=1)
    write_text(landing(locations, "crm_accounts", other_day) / "Account.csv", SALESFORCE_ACCOUNTS)
    load_pending(locations, "crm_accounts", DAY, None)
    before = raw_rows(locations, "crm_accounts")
    before_other = raw_rows(locations, "crm_accounts", other_day)

    # A broken re-delivery of DAY: the loaded version of DAY and the other date stay as they were.
    write_text(landing(locations, "crm_accounts") / "Account.csv", "Name;Site\nAcme;acme.com\n")
    results, errors = load_pending(locations, "crm_accounts", DAY, None)
    assert len(errors) == 1 and "Account.csv" in errors[0]
    assert raw_rows(locations, "crm_accounts").equals(before)
    assert raw_rows(locations, "crm_accounts", other_day).equals(before_other)
    assert not list((locations.raw / ".scratch").glob("*"))

    # Fixed: the next run loads it by itself.
    write_text(landing(locations, "crm_accounts") / "Account.csv", SALESFORCE_ACCOUNTS.replace("Globex", "Globex Corp"))
    results, errors = load_pending(locations, "crm_accounts", DAY, None)
    assert not errors
    assert "Globex Corp" in set(raw_rows(locations, "crm_accounts")["account_name"])


def test_pending_dates_load_side_by_side_each_into_its_own_partition(locations):
    days = [DAY - dt.timedelta(days=offset) for offset in range(5, -1, -1)]
    for day in days:
        write_text(landing(locations, "crm_accounts", day) / "Account.csv", SALESFORCE_ACCOUNTS.replace("Globex", f"Globex {day}"))
    broken = days[2]
    write_text(landing(locations, "crm_accounts", broken) / "Account.csv", "Name;Site\nAcme;acme.com\n")

    results, errors = load_pending(locations, "crm_accounts", DAY, None)

    assert [result.export_date for result in results] == [day.isoformat() for day in days if day != broken]
    assert len(errors) == 1 and str(broken) in errors[0]
    for day in days:
        if day != broken:
            assert set(raw_rows(locations, "crm_accounts", day)["account_name"]) == {"Acme, Inc.", f"Globex {day}"}
    assert not (locations.raw / "crm_accounts" / f"export_date={broken}").exists()


def test_loading_the_same_export_twice_changes_nothing(locations):
    write_text(landing(locations, "crm_accounts") / "Account.csv", SALESFORCE_ACCOUNTS)
    first = load_export(locations, "crm_accounts", DAY, None)
    rows = raw_rows(locations, "crm_accounts")
    assert load_export(locations, "crm_accounts", DAY, None).skipped
    forced = load_export(locations, "crm_accounts", DAY, None, force=True)
    assert forced.rows == first.rows
    assert raw_rows(locations, "crm_accounts").equals(rows)


def test_a_team_mapping_file_adds_a_layout_without_code(locations, tmp_path):
    mappings = write_text(
        tmp_path / "column_mappings.yml",
        "intent:\n  in_house:\n    domain: Company Website\n    topic: Research Topic\n"
        "    score: Intent Strength\n    signal_date: Observed On\n",
    )
    write_text(
        landing(locations, "intent") / "feed.csv",
        "Company Website,Research Topic,Intent Strength,Observed On\nacme.com,ETL,70,2026-03-01\n",
    )
    assert load_export(locations, "intent", DAY, mappings).files[0].mapping == "in_house"


def test_a_team_mapping_adds_columns_as_account_attributes(locations, tmp_path):
    mappings = write_text(
        tmp_path / "column_mappings.yml",
        "crm_accounts:\n  salesforce:\n    attributes:\n      segment: [Segment__c, Segment]\n      ownership: Ownership\n",
    )
    header, rows = SALESFORCE_ACCOUNTS.split("\n", 1)
    rows = rows.replace('line two"\n', 'line two",Enterprise,Private\n').replace(".000Z,\n", ".000Z,, Mid-Market ,\n")
    write_text(landing(locations, "crm_accounts") / "Account.csv", header + ",Segment__c,Ownership\n" + rows)
    load_export(locations, "crm_accounts", DAY, mappings)
    added = list(raw_rows(locations, "crm_accounts")["custom_attributes"])
    assert added == ["segment=Enterprise\x1fownership=Private", "segment=Mid-Market"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ("intent:\n  in_house:\n    attributes: {region: Region}\n", "only ['crm_accounts'] take added columns"),
        ("crm_accounts:\n  salesforce:\n    attributes: {Sales Segment: Segment__c}\n", "'Sales Segment' is not a usable name"),
        ("crm_accounts:\n  salesforce:\n    attributes: [Segment__c]\n", "must map attribute names to header spellings"),
    ],
)
def test_added_columns_need_an_accounts_mapping_and_a_plain_name(tmp_path, entries, expected):
    from dagster_project.ingest.mappings import MappingError, load_mappings

    with pytest.raises(MappingError, match=re.escape(expected)):
        load_mappings((write_text(tmp_path / "column_mappings.yml", entries),))


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("HTTP://WWW.ACME.COM/", "acme.com"),
        ("https://acme.com:8443/pricing?x=1", "acme.com"),
        ("acme.com.", "acme.com"),
        ("jane.doe@Acme.com", "acme.com"),
        ("www2.acme.co.uk", "acme.co.uk"),
        ("  ", None),
    ],
)
def test_domains_are_normalised(raw, domain):
    con = duckdb.connect()
    install_macros(con)
    assert con.execute("select abm_normalise_domain(?)", [raw]).fetchone()[0] == domain


def test_bare_domains_skip_the_normalising_steps_only_where_the_steps_would_change_nothing():
    pieces = ["", " ", "\t", "www", "WWW", "www2", "Www1.", ".", "..", "@", "a@", "x@y@", "jane.doe", "http://", "HTTPS://"]
    pieces += ["ftp:", ":", "8443", "/", "//", "?", "#", "acme", "Acme", ".com", "-", "é", "İ"]
    generator = random.Random(7)
    values = ["".join(generator.choice(pieces) for _ in range(generator.randint(1, 7))) for _ in range(50_000)]
    con = duckdb.connect()
    install_macros(con)
    con.execute("create table value as select unnest(?::varchar[]) as v union all select null", [values])
    bare = con.execute("select count(*) from value where abm_normalise_domain(v) = v").fetchone()[0]
    differing = con.execute(
        "select v, abm_normalise_domain(v), abm_normalise_domain_fully(v) from value "
        "where abm_normalise_domain(v) is distinct from abm_normalise_domain_fully(v) limit 3"
    ).fetchall()
    assert differing == []
    assert bare > 1000  # the corpus holds bare domains, not only values the full steps rewrite
