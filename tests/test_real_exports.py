"""Exports as the real tools and spreadsheets write them (tests/fixtures/exports/), and the inference
rules that read them: number and date conventions, Salesforce ids, report footers, XLSX cells."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import string
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.formats import Evidence, decide
from dagster_project.ingest.inspect import inspect_path
from dagster_project.ingest.loader import ExportRejected, load_export, load_pending
from dagster_project.ingest.parsing import install_macros
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.quality.checks import raw_suite_parameters
from dagster_project.quality.gx_suites import validate_parquet
from dagster_project.settings import Paths, paths
from tests.conftest import write_text
from tests.dbt_helpers import run_dbt

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
DAY = dt.date(2026, 11, 20)


@pytest.fixture()
def locations(data_dir) -> Paths:
    return Paths(data_dir)


def land(paths_: Paths, source: str, fixture: str, day: dt.date = DAY, name: str | None = None) -> Path:
    target = paths_.landing / source / day.isoformat() / (name or fixture)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / fixture, target)
    return target


def raw(paths_: Paths, source: str, day: dt.date = DAY, columns: str = "*", order_by: str = "_source_file, _row_number"):
    with duckdb.connect() as con:
        return con.execute(
            f"select {columns} from read_parquet('{paths_.raw}/{source}/export_date={day}/*.parquet') order by {order_by}"
        ).fetchall()


def test_salesforce_report_labels_15_character_ids_formatted_values_and_footer(locations):
    land(locations, "crm_accounts", "salesforce_account_report.csv")
    result = load_export(locations, "crm_accounts", DAY, None)
    (file,) = result.files
    assert (file.mapping, file.rows, file.rejects, file.footer_lines) == ("salesforce_report", 3, 0, 4)
    rows = raw(locations, "crm_accounts", columns="account_id, parent_id, owner_id, employees, annual_revenue, created_date, domain")
    assert rows[0] == ("0015g00000AcMeQAAV", None, "0055g00000Own01AAB", 1200, 330_000_000.0, dt.date(2021, 3, 25), "acme-analytics.com")
    assert rows[1][:2] == ("0015g00000GlObXAAV", "0015g00000AcMeQAAV")
    assert rows[1][4] == 125_500_000.0 and rows[1][5] == dt.date(2019, 12, 1)


def test_european_locale_csv_windows_1252_utf_16_and_xlsx_load_the_same_values(locations):
    columns = "account_id, account_name, employees, annual_revenue, country, created_date, last_activity_date, domain"
    loaded = {}
    fixtures = [
        "hubspot_companies_eu_locale.csv",
        "hubspot_companies_windows1252.csv",
        "hubspot_companies_unicode_text.txt",
        "hubspot_companies.xlsx",
    ]
    for number, fixture in enumerate(fixtures):
        day = DAY + dt.timedelta(days=number)
        land(locations, "crm_accounts", fixture, day)
        result = load_export(locations, "crm_accounts", day, None)
        assert (result.files[0].mapping, result.rows, result.rejects) == ("hubspot_ui", 3, 0), fixture
        loaded[fixture] = raw(locations, "crm_accounts", day, columns, order_by="account_id")
    eu = loaded["hubspot_companies_eu_locale.csv"]
    assert eu[0] == (
        "18020973748",
        "Müller Datenwerk GmbH",
        1200,
        330_000_000.0,
        "Germany",
        dt.date(2021, 3, 25),
        dt.date(2026, 11, 13),
        "mueller-datenwerk.de",
    )
    assert eu[1][3] == 1_234_567.89 and eu[1][1] == "Café Analytique SA"
    assert loaded["hubspot_companies_windows1252.csv"] == eu
    assert loaded["hubspot_companies_unicode_text.txt"] == eu  # Excel's "Unicode Text": UTF-16, tabs
    assert loaded["hubspot_companies.xlsx"] == eu  # a numeric Record ID cell stays 18020973748


def test_xlsx_rejects_name_spreadsheet_row_numbers(locations, monkeypatch, tmp_path):
    import xlsxwriter

    monkeypatch.setenv("ABM_MAX_REJECT_SHARE", "0.5")
    path = locations.landing / "crm_accounts" / DAY.isoformat() / "companies.xlsx"
    path.parent.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(
        [
            ["Record ID", "Company name", "Company Domain Name", "Number of Employees"],
            [1, "Acme", "acme.com", 10],
            [2, "Globex", "globex.io", "lots"],
            [3, "Initech", "initech.com", 5],
        ]
    ):
        sheet.write_row(r, 0, row)
    workbook.close()
    assert load_export(locations, "crm_accounts", DAY, None).rejects == 1
    with duckdb.connect() as con:
        ((row_number, reason),) = con.execute(
            f"select row_number, reason from read_parquet('{locations.rejects}/crm_accounts/*/*.parquet')"
        ).fetchall()
    assert row_number == 3 and "column Number of Employees: lots is not a valid integer" in reason


def test_bombora_comprehensive_export_without_dates_takes_the_delivery_week(locations):
    week = dt.date(2026, 11, 16)
    land(locations, "intent", "bombora_company_surge_comprehensive.csv", week)
    result = load_export(locations, "intent", week, None)
    assert (result.files[0].mapping, result.rows) == ("bombora_company_surge", 6)
    rows = raw(locations, "intent", week, "domain, signal_date, score, metro_area")
    assert {r[1] for r in rows} == {week}
    assert [r[3] for r in rows[:2]] == ["New York, NY", "San Francisco, CA"]


def test_a_contact_of_several_companies_belongs_to_its_primary_one_and_keeps_the_list(locations):
    land(locations, "crm_contacts", "hubspot_contacts_multi_company.csv")
    load_export(locations, "crm_contacts", DAY, None)
    rows = raw(locations, "crm_contacts", columns="contact_id, account_id, associated_account_ids")
    # without a primary column, the first company listed
    assert rows == [("901", "18020973748", "18020973748;18020973749"), ("902", "18020973750", "18020973750")]
    later = DAY + dt.timedelta(days=1)
    land(locations, "crm_contacts", "hubspot_contacts_primary_company.csv", later)
    load_export(locations, "crm_contacts", later, None)
    rows = raw(locations, "crm_contacts", later, columns="contact_id, account_id, associated_account_ids")
    assert rows == [("903", "18020973749", "18020973748;18020973749"), ("904", "18020973748", "18020973748")]


# --- inference rules -----------------------------------------------------------------------------

ACCOUNTS_HEADER = "Id,Name,Website,AnnualRevenue,CreatedDate\n"


def load_accounts(locations, body: str, mappings: Path | None = None, header: str = ACCOUNTS_HEADER, delimiter: str = ","):
    write_text(locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", header.replace(",", delimiter) + body)
    load_export(locations, "crm_accounts", DAY, mappings, force=True)
    return raw(locations, "crm_accounts", columns="annual_revenue, created_date", order_by="account_id")


def test_a_value_only_one_convention_reads_settles_the_column(locations):
    rows = load_accounts(locations, 'A,Acme,acme.com,"1.200",2024-01-01\nB,Globex,globex.io,"12,5",2024-01-02\n')
    assert [r[0] for r in rows] == [1200.0, 12.5]  # 12,5 can only be European, so 1.200 is 1200


@pytest.mark.parametrize(("employees", "revenue"), [("1.234", 1200.0), ('"1,234"', 1.2)])
def test_an_ambiguous_number_column_follows_the_rest_of_the_file(locations, employees, revenue):
    # A whole number of employees written 1.234 can only be European (1,234 only American), which
    # decides how the file's ambiguous revenue 1.200 reads.
    rows = load_accounts(
        locations,
        f'A,Acme,acme.com,"1.200",{employees},2024-01-01\n',
        header="Id,Name,Website,AnnualRevenue,NumberOfEmployees,CreatedDate\n",
    )
    assert rows[0][0] == revenue


def test_ambiguous_numbers_with_nothing_to_decide_are_rejected_naming_the_column(locations):
    with pytest.raises(ExportRejected, match=r"column AnnualRevenue: 2 values such as '1.200' read both .*number_format: us or eu"):
        load_accounts(locations, 'A,Acme,acme.com,"1.200",2024-01-01\nB,Globex,globex.io,"3.500",2024-01-02\n')


def test_the_mapping_hint_decides_an_ambiguous_column(locations, tmp_path):
    hint = write_text(tmp_path / "column_mappings.yml", "crm_accounts:\n  salesforce:\n    number_format: eu\n")
    rows = load_accounts(locations, 'A,Acme,acme.com,"1.200",2024-01-01\nB,Globex,globex.io,"3.500",2024-01-02\n', hint)
    assert [r[0] for r in rows] == [1200.0, 3500.0]


def test_a_value_in_the_other_convention_is_rejected_naming_the_inferred_format(locations, monkeypatch):
    monkeypatch.setenv("ABM_MAX_REJECT_SHARE", "0.5")
    rows = load_accounts(
        locations,
        'A,Acme,acme.com,"1.234,50",2024-01-01\nB,Globex,globex.io,"2.000,00",2024-01-02\nC,Initech,initech.com,"1,234.50",2024-01-03\n',
    )
    assert [r[0] for r in rows] == [1234.5, 2000.0]
    with duckdb.connect() as con:
        (reason,) = con.execute(f"select reason from read_parquet('{paths().rejects}/crm_accounts/*/*.parquet')").fetchone()
    assert reason == "column AnnualRevenue: 1,234.50 is not a valid number (written 1.234.567,89)"


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["3/25/2024", "04/01/2024"], [dt.date(2024, 3, 25), dt.date(2024, 4, 1)]),  # 25 is a day: month first
        (["25/03/2024", "04/01/2024"], [dt.date(2024, 3, 25), dt.date(2024, 1, 4)]),  # day first
        (["25.03.2024", "04.01.2024 10:15"], [dt.date(2024, 3, 25), dt.date(2024, 1, 4)]),  # dotted: day first
        (["2024-03-25T10:00:00.000Z", "2024-01-04"], [dt.date(2024, 3, 25), dt.date(2024, 1, 4)]),
    ],
)
def test_date_conventions_are_decided_per_column(locations, dates, expected):
    body = "".join(f"{k},Acme{k},acme{k}.com,1,{d}\n" for k, d in zip("AB", dates, strict=True))
    assert [r[1] for r in load_accounts(locations, body)] == expected


def test_ambiguous_dates_are_rejected_unless_the_mapping_says(locations, tmp_path):
    body = "A,Acme,acme.com,1,03/04/2024\nB,Globex,globex.io,2,05/06/2024\n"
    with pytest.raises(
        ExportRejected, match=r"column CreatedDate: 2 values such as '03/04/2024' read both month first .*date_format: mdy or dmy"
    ):
        load_accounts(locations, body)
    hint = write_text(tmp_path / "column_mappings.yml", "crm_accounts:\n  salesforce:\n    date_format: dmy\n")
    assert [r[1] for r in load_accounts(locations, body, hint)] == [dt.date(2024, 4, 3), dt.date(2024, 6, 5)]


def test_a_decimal_comma_file_reads_its_ambiguous_dates_day_first():
    evidence = [Evidence("Revenue", "number", 0, 3, 0, None), Evidence("Created", "date", 0, 0, 2, "03/04/2024")]
    assert decide(evidence, {}, "m") == ["eu", "dmy"]
    assert decide([Evidence("Created", "date", 0, 0, 0, None)], {}, "m") == ["mdy"]  # ISO only: nothing to decide


def python_salesforce_18(id15: str) -> str:
    """Salesforce's published algorithm, written independently of the SQL macro."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << j for j, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def test_salesforce_15_character_ids_become_their_18_character_form():
    con = duckdb.connect()
    install_macros(con)
    convert = lambda value: con.execute("select abm_salesforce_id(?)", [value]).fetchone()[0]  # noqa: E731
    assert convert("a0D30000001n7Pi") == "a0D30000001n7PiEAI"  # the example Salesforce's docs and blogs use
    assert convert("a0D30000001n7PiEAI") == "a0D30000001n7PiEAI"
    generator = random.Random(5)
    for _ in range(200):
        id15 = "".join(generator.choice(string.ascii_letters + string.digits) for _ in range(15))
        assert convert(id15) == python_salesforce_18(id15)
    assert convert("18020973748") == "18020973748"  # not a Salesforce id: left alone


def test_a_relabelled_website_column_fails_the_export_naming_what_is_missing(locations):
    write_text(
        locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", "Id,Name,Web Site,Industry\n001A,Acme,acme.com,Software\n"
    )
    with pytest.raises(ExportRejected, match=r"Closest mapping 'salesforce' is missing: Website/website \(website\)"):
        load_export(locations, "crm_accounts", DAY, None)


def test_a_duplicated_header_fails_the_export_naming_both(locations):
    write_text(locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", "Id,Name,Name,Website\n001A,Acme,acme.com,\n")
    with pytest.raises(ExportRejected, match=r"the header has a column it needs twice \('Name' and 'Name_1'\)"):
        load_export(locations, "crm_accounts", DAY, None)


def test_a_contract_column_empty_on_most_rows_fails_the_export(locations):
    rows = "".join(f"00{k},Acme{k},{'acme.com' if k == 0 else ''}\n" for k in range(4))
    write_text(locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", "Id,Name,Website\n" + rows)
    with pytest.raises(ExportRejected, match=r"column Website \(website\) is empty on 3 of 4 rows \(75%\)"):
        load_export(locations, "crm_accounts", DAY, None)


def test_inspect_shows_mapping_formats_samples_and_footer_without_loading(locations):
    report = land(locations, "crm_accounts", "salesforce_account_report.csv")
    text = inspect_path(report.parent, None)
    assert "loads as crm_accounts with mapping 'salesforce_report'" in text
    assert "crm_accounts/salesforce: missing Id/id (account_id)" in text
    assert "employees <- 'Employees' (integer, read as 1,234,567.89): 1200" in text
    assert "account_id <- 'Account ID' (id): 0015g00000AcMeQAAV" in text
    assert "footer skipped: Confidential Information - Do Not Distribute" in text
    assert "rows: 3, would be rejected: 0" in text
    contacts = land(locations, "crm_contacts", "salesforce_contacts_dataloader.csv")
    contacts_text = inspect_path(contacts, None)
    assert "***@acme-analytics.com" in contacts_text and "dana.reyes" not in contacts_text
    assert "last_activity_date <- 'LastActivityDate' (date, read as ISO dates): 2026-11-10" in contacts_text
    assert not locations.raw.exists()


# --- the fixtures end to end ---------------------------------------------------------------------


@pytest.fixture()
def real_world(locations):
    land(locations, "crm_accounts", "salesforce_account_report.csv")
    land(locations, "crm_accounts", "hubspot_companies_eu_locale.csv")
    land(locations, "crm_contacts", "salesforce_contacts_dataloader.csv")
    land(locations, "crm_contacts", "hubspot_contacts_multi_company.csv")
    land(locations, "intent", "bombora_company_surge_comprehensive.csv", dt.date(2026, 11, 16))
    land(locations, "crm_activities", "activities_with_future_meeting.csv")
    land(locations, "crm_users", "salesforce_users_dataloader.csv")
    for source in SCHEMAS:
        _, errors = load_pending(locations, source, DAY + dt.timedelta(days=7), None)
        assert not errors, errors
    return locations


def scores(on: dt.date) -> dict[str, tuple]:
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        rows = con.execute(
            "select account_name, intent_score, activity_points, contacts, employees, annual_revenue "
            "from account_tier_history where as_of_date = ?",
            [on],
        ).fetchall()
    return {name: rest for name, *rest in rows}


def test_real_exports_score_end_to_end(real_world):
    run_dbt(DAY, DAY + dt.timedelta(days=7))
    today, next_week = scores(DAY), scores(DAY + dt.timedelta(days=7))
    acme, globex = today["Acme Analytics, Inc."], today["Globex Data"]
    # Five metro rows count as one signal: the same company-level score gives the same intent.
    assert acme[0] == globex[0] > 0
    # The report's 15-character account ids join the Data Loader's 18-character contact ids.
    assert (acme[2], globex[2]) == (2, 1)
    # A contact associated with two HubSpot companies counts for its primary one only.
    assert today["Müller Datenwerk GmbH"][2] == 1 and today["Café Analytique SA"][2] == 0
    assert today["Müller Datenwerk GmbH"][3:] == [1200, 330_000_000.0]
    # The meeting booked for 2026-11-26 does not count on 2026-11-20, and does once its date has come.
    assert next_week["Globex Data"][1] > globex[1]
    # Owners by name from the user export (the report's 15-character owner ids join its 18); the one
    # who left is flagged; HubSpot's UI export already names its owners.
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        owners = dict(
            con.execute("select account_name, (owner_name, owner_issue) from account_tier_history where as_of_date = ?", [DAY]).fetchall()
        )
    assert owners["Acme Analytics, Inc."] == ("Priya Raman", None)
    assert owners["Initech"] == ("Tomás Ortega", "owner left: reassign")


def test_rows_dated_after_the_export_warn_and_do_not_block(real_world):
    folder = real_world.raw / "crm_activities" / f"export_date={DAY}"
    parameters = raw_suite_parameters("raw_crm_activities", DAY, DAY)
    outcome = validate_parquet("raw_crm_activities", "activities", f"{folder}/*.parquet", parameters)
    assert not outcome.blocking_failures
    (warning,) = outcome.failures
    assert warning.unexpected_count == 1 and "count from their own date on" in warning.notes


def test_two_headers_that_differ_only_in_case_are_ambiguous(locations):
    write_text(
        locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", "Id,Name,Website,website \n001A,Acme,acme.com,acme.org\n"
    )
    with pytest.raises(ExportRejected, match=r"needs twice \('Website' and 'website_1'\)"):
        load_export(locations, "crm_accounts", DAY, None)


def test_a_date_in_the_file_name_can_be_the_signal_date(locations, tmp_path):
    mappings = write_text(
        tmp_path / "column_mappings.yml",
        "intent:\n  weekly_feed:\n    domain: Domain\n    topic: Topic\n    score: Score\n    signal_date: from_file_name\n",
    )
    write_text(locations.landing / "intent" / DAY.isoformat() / "surge_2026-11-16.csv", "Domain,Topic,Score\nacme.com,ETL,70\n")
    assert load_export(locations, "intent", DAY, mappings).files[0].mapping == "weekly_feed"
    assert raw(locations, "intent", columns="signal_date") == [(dt.date(2026, 11, 16),)]


def test_salesforce_opportunity_report_with_generated_by_footer(locations):
    land(locations, "crm_opportunities", "salesforce_opportunity_report.csv")
    (file,) = load_export(locations, "crm_opportunities", DAY, None).files
    assert (file.mapping, file.rows, file.rejects, file.footer_lines) == ("salesforce_report", 2, 0, 6)
    rows = raw(locations, "crm_opportunities", columns="opportunity_id, account_id, amount, close_date, is_closed, is_won")
    assert rows[0] == ("0065g00000OpPaAAAV", "0015g00000AcMeQAAV", 120_000.0, dt.date(2026, 10, 15), True, True)
    assert rows[1][2:] == (45_500.0, dt.date(2026, 12, 31), False, False)


def test_values_after_the_profiled_rows_parse_in_any_form_of_the_convention(locations, monkeypatch):
    # The first rows are plain numbers and ISO dates (the fast parse); later rows are not.
    monkeypatch.setattr("dagster_project.ingest.formats.PROFILE_ROWS", 2)
    rows = load_accounts(
        locations,
        'A,Acme,acme.com,1200.5,2024-01-01\nB,Globex,globex.io,300,2024-01-02\nC,Initech,initech.com,"$1,234.50",3/25/2024\n',
    )
    assert rows == [(1200.5, dt.date(2024, 1, 1)), (300.0, dt.date(2024, 1, 2)), (1234.5, dt.date(2024, 3, 25))]


# --- what report tools and spreadsheets write around the data -----------------------------------


def test_a_formatted_report_xlsx_loads_below_its_title_lines_without_totals_or_footer(locations):
    # Salesforce's "Formatted Report" export: title, "as of" and filter lines, an empty first column,
    # a subtotal row after each owner's group, a "Grand Totals (4 records)" row and the footer.
    land(locations, "crm_accounts", "salesforce_formatted_report.xlsx")
    (file,) = load_export(locations, "crm_accounts", DAY, None).files
    assert (file.mapping, file.rows, file.rejects) == ("salesforce_report", 4, 0)
    assert file.skipped == "6 title lines, 3 totals rows, 2 footer lines"
    rows = raw(locations, "crm_accounts", columns="account_id, account_name, employees, annual_revenue, country, _row_number")
    assert rows[0] == ("0015g00000AcMeQAAV", "Acme Analytics, Inc.", 1200, 330_000_000.0, "United States", 8)  # the sheet's row 8
    assert [row[1] for row in rows] == ["Acme Analytics, Inc.", "Globex Data", "Initech", "Total Wine & More"]
    shown = inspect_path(locations.landing / "crm_accounts" / DAY.isoformat(), None)
    assert "skipped 6 title lines, 3 totals rows, 2 footer lines" in shown


def test_a_report_csv_with_title_lines_and_a_totals_row_loads_its_rows_only(locations):
    land(locations, "crm_accounts", "salesforce_accounts_report_titled.csv")
    (file,) = load_export(locations, "crm_accounts", DAY, None).files
    assert (file.mapping, file.rows, file.rejects) == ("salesforce_report", 3, 0)
    assert file.skipped == "4 title lines, 1 totals row, 4 footer lines"
    assert [row[0] for row in raw(locations, "crm_accounts", columns="account_name")] == ["Acme Analytics, Inc.", "Globex Data", "Initech"]


def test_rows_of_bare_delimiters_a_spreadsheet_saved_are_blank_lines_not_rejects(locations):
    land(locations, "crm_contacts", "salesforce_contacts_excel_resaved.csv")
    (file,) = load_export(locations, "crm_contacts", DAY, None).files
    assert (file.rows, file.rejects, file.blank_lines) == (3, 0, 3)
    assert not list(locations.rejects.rglob("*.parquet"))


def test_a_windows_1252_export_whose_first_accent_comes_late_loads_every_row(locations):
    path = locations.landing / "crm_contacts" / DAY.isoformat() / "Contact.csv"
    path.parent.mkdir(parents=True)
    lines = ["Id,AccountId,FirstName,LastName,Email"]
    lines += [f"0035g{n:010d},0015g00000AcMeQ,Ana,Silva,ana{n}@acme-analytics.com" for n in range(2000)]
    lines += ["0035g9999999999,0015g00000AcMeQ,José,Müller,jose.mueller@acme-analytics.com"]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    assert path.stat().st_size > 1 << 16
    result = load_export(locations, "crm_contacts", DAY, None)
    assert (result.rows, result.rejects) == (2001, 0)
    assert ("José", "Müller") in raw(locations, "crm_contacts", columns="first_name, last_name")


def test_an_event_export_of_a_quiet_day_is_zero_rows_and_a_snapshot_stays_refused(locations):
    for source, name, text in (
        ("intent", "first_party_intent.jsonl", ""),
        ("crm_activities", "activities.csv", "activity_type,activity_date\n"),
    ):
        write_text(locations.landing / source / DAY.isoformat() / name, text)
        result = load_export(locations, source, DAY, None)
        assert (result.rows, result.rejects) == (0, 0)
    write_text(locations.landing / "crm_contacts" / DAY.isoformat() / "Contact.csv", "")
    with pytest.raises(ExportRejected, match="the file is empty"):
        load_export(locations, "crm_contacts", DAY, None)
    write_text(locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv", "Id,Name,Website\n")
    with pytest.raises(ExportRejected, match="header but no data rows"):
        load_export(locations, "crm_accounts", DAY, None)


def test_user_exports_from_salesforce_and_hubspot_name_the_owners(locations):
    land(locations, "crm_users", "salesforce_users_dataloader.csv")
    land(locations, "crm_users", "hubspot_owners.csv", DAY + dt.timedelta(days=1))
    mappings = [load_export(locations, "crm_users", day, None).files[0].mapping for day in (DAY, DAY + dt.timedelta(days=1))]
    assert mappings == ["salesforce", "hubspot_owners"]
    columns = "user_id, user_name, first_name, last_name, is_active, is_archived"
    assert raw(locations, "crm_users", columns=columns)[1] == ("0055g00000Own02AAB", "Tomás Ortega", "Tomás", "Ortega", False, None)
    assert raw(locations, "crm_users", DAY + dt.timedelta(days=1), columns)[1] == ("51234568", None, "Kofi", "Mensah", None, True)


def test_a_csv_the_reader_cannot_split_is_refused_naming_the_cause_not_echoing_the_line(locations):
    write_text(
        locations.landing / "crm_accounts" / DAY.isoformat() / "Account.csv",
        "Id,Name,Website\n001A,Acme,acme.com\n002B," + "x" * 3_000_000 + ",b.io\n",
    )
    with pytest.raises(ExportRejected) as error:
        load_export(locations, "crm_accounts", DAY, None)
    message = str(error.value)
    assert "a line is longer than the reader allows" in message and "Maximum line size of 2000000 bytes exceeded" in message
    assert "xxxxxxxx" not in message and len(message) < 500


def test_the_account_teams_own_activities_load_from_salesforce_and_hubspot_with_their_direction(locations):
    fixtures = (
        "salesforce_tasks_dataloader.csv",
        "salesforce_events_dataloader.csv",
        "hubspot_calls.csv",
        "hubspot_emails.csv",
        "hubspot_meetings.csv",
    )
    for fixture in fixtures:
        land(locations, "crm_activities", fixture)
    result = load_export(locations, "crm_activities", DAY, None)
    assert sorted((file.mapping, file.rows, file.rejects) for file in result.files) == [
        ("hubspot_activities", 2, 0),
        ("hubspot_activities", 2, 0),
        ("hubspot_activities", 2, 0),
        ("salesforce", 1, 0),
        ("salesforce", 3, 0),
    ]
    run_dbt(DAY, DAY, select="stg_crm__activities")
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        rows = con.execute("select activity_id, owner_id, activity_type, direction, is_open from stg_crm__activities").fetchall()
    assert {activity: rest for activity, *rest in rows} == {
        # Data Loader's upper-case API names; every Task and Event is the team's, an open task not yet done
        "00T5g00000Tsk01AAB": ["0055g00000Own01AAB", "email", "outbound", False],
        "00T5g00000Tsk02AAB": ["0055g00000Own01AAB", "call", "outbound", False],
        "00T5g00000Tsk03AAB": ["0055g00000Own02AAB", "task", "outbound", True],
        "00U5g00000Evt01AAB": ["0055g00000Own01AAB", "event", "outbound", False],
        # HubSpot says which way a call or an e-mail went
        "18001": ["Ines Duarte", "call", "outbound", False],
        "18002": ["Ines Duarte", "call", "inbound", False],
        "19001": ["Kofi Mensah", "email", "outbound", False],
        "19002": ["Kofi Mensah", "email", "inbound", False],
        # a meeting is the team's touch unless it was canceled
        "20001": ["Ines Duarte", "meeting", "outbound", False],
        "20002": ["Ines Duarte", "meeting", "outbound", True],
    }
