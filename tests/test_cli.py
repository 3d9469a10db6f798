"""The `abm` command line: version, data folder, and dbt run by hand with what a run passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_project.cli import build_parser, package_version

ABM = str(Path(sys.executable).with_name("abm"))


def test_version_and_ui_port():
    result = subprocess.run([ABM, "--version"], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"abm {package_version()}"
    assert build_parser().parse_args(["ui", "--port", "3100"]).port == 3100


def test_dbt_runs_on_the_named_data_folder_with_the_rules_filled_in(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    # int_account_fit_scored reads the rules' industries and bands: without the vars dbt fails on it
    result = subprocess.run(
        [ABM, "--data-dir", str(folder), "dbt", "--", "compile", "-s", "int_account_fit_scored"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "cast('Software' as" in result.stdout  # an industry of config/scoring.yml, compiled in
    assert (folder / "warehouse.duckdb").exists()  # dbt's profile followed --data-dir


def test_dbt_without_a_command_says_what_to_type(data_dir):
    result = subprocess.run([ABM, "dbt"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "abm dbt -- docs generate" in result.stderr and "Traceback" not in result.stderr


def test_the_summary_names_the_optional_sources_that_never_landed(data_dir, sample_landing):
    import shutil

    from dagster_project.ingest.loader import load_pending, missing_sources
    from dagster_project.settings import paths
    from tests.conftest import SAMPLE_END

    for source in ("crm_accounts", "crm_contacts", "intent"):
        shutil.copytree(sample_landing / source, paths().landing / source)
        assert not load_pending(paths(), source, SAMPLE_END, None)[1]
    missing = missing_sources(paths(), SAMPLE_END)
    assert set(missing) == {"crm_opportunities", "crm_activities", "technographics", "email_verifications", "crm_users"}
    assert "only through recent CRM activity" in missing["email_verifications"]


def test_a_run_prints_its_summary_and_leaves_dbts_log_in_the_data_folder(published_yesterday):
    from tests.conftest import SAMPLE_END

    # a contacts export delivered again with one row a date nobody can read, and a spreadsheet's blank rows
    (contacts,) = (published_yesterday / "landing" / "crm_contacts" / SAMPLE_END.isoformat()).iterdir()
    lines = contacts.read_text().splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    first[header.index("LastActivityDate")] = "sometime in May"
    contacts.write_text("\n".join([lines[0], ",".join(first), *lines[2:], "," * (len(header) - 1)]) + "\n")
    result = subprocess.run([ABM, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Account tiers as of {SAMPLE_END}" in result.stdout
    # progress while it works, a line per step: the other exports were loaded by the session's fixture
    assert "raw/crm_accounts: nothing new to load" in result.stdout and "published_tiers done" in result.stdout
    rejects = f"raw/_rejects/crm_contacts/export_date={SAMPLE_END}/"
    assert f"raw/crm_contacts: {len(lines) - 2:,} rows loaded, 1 rejected: {rejects}" in result.stdout
    assert f"crm_contacts: 1 rows rejected and not scored, kept in {rejects}" in result.stderr  # a warning in the last lines
    quality = (published_yesterday / "reports" / "data_quality_latest.html").read_text()
    assert "1 rows rejected and not scored" in quality and "Rows left out at load" in quality and "1 blank line" in quality
    assert "START sql" not in result.stdout + result.stderr  # dbt's line per model went to the log
    assert "[tier_change]" not in result.stderr  # tier changes are news, not warnings
    (log,) = (published_yesterday / "logs").glob(f"run-{SAMPLE_END}-*.log")
    assert "START sql incremental model main.tier_metrics" in log.read_text()
    assert str(log) in result.stdout


def test_a_run_without_a_required_source_is_refused_before_any_work(data_dir, sample_landing):
    import shutil

    from tests.conftest import SAMPLE_END

    shutil.copytree(sample_landing / "crm_accounts", data_dir / "landing" / "crm_accounts")
    result = subprocess.run([ABM, "run", "--date", SAMPLE_END.isoformat()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert f"scoring needs an export of crm_contacts dated {SAMPLE_END} or earlier" in result.stderr
    assert not (data_dir / "raw").exists()  # nothing was loaded


def test_the_tier_report_names_the_sources_that_never_landed(sample_published_yesterday, tmp_path):
    from dagster_project.publish.report import render_tier_report

    serving = (sample_published_yesterday / "published" / "serving.duckdb").resolve()
    page = render_tier_report(serving, tmp_path / "report.html", tmp_path / "quality.html", {"intent": "every intent score is 0"})
    assert "<b>intent</b>: every intent score is 0" in page.read_text()
    assert "Sources with no export yet" not in render_tier_report(serving, tmp_path / "all.html", tmp_path / "q.html").read_text()


def test_the_partitions_start_at_the_data_folders_first_export(data_dir, monkeypatch):
    import datetime as dt

    from dagster_project.partitions import first_scoring_date
    from dagster_project.settings import paths

    monkeypatch.delenv("ABM_START_DATE")
    today = dt.date(2026, 11, 27)
    assert first_scoring_date(paths(), today) == "2026-10-28", "no export yet: the last 30 days"
    for source, day in (("crm_accounts", "2026-11-02"), ("crm_contacts", "2026-10-30"), ("intent", "2026-11-01")):
        (data_dir / "landing" / source / day).mkdir(parents=True)
    (data_dir / "landing" / "crm_accounts" / "not-a-date").mkdir()
    assert first_scoring_date(paths(), today) == "2026-10-30"
    monkeypatch.setenv("ABM_START_DATE", "2026-01-01")
    assert first_scoring_date(paths(), today) == "2026-01-01"


def test_abm_review_writes_the_pack_from_the_published_tables(published_yesterday, capsys):
    """Without a review calendar the pack says so; each tier's size is the published count, set
    against the targets in the rules."""
    import duckdb

    from dagster_project.cli import main
    from tests.conftest import PREVIOUS_DAY

    assert main(["review"]) == 0
    out = capsys.readouterr().out
    pack = (published_yesterday / "reports" / f"review-{PREVIOUS_DAY}.md").read_text()
    assert out.startswith(pack) and f"# Tier review as of {PREVIOUS_DAY}" in pack
    assert "No review calendar" in pack and "No ICP discovery yet" in pack
    with duckdb.connect(str(published_yesterday / "published" / "serving.duckdb"), read_only=True) as con:
        (tier_1,) = con.execute("select count(*) from account_tiers where tier = 'tier_1'").fetchone()
        owner, entered = con.execute(
            "select owner_name, count(*) from account_plays where tier = 'tier_1' and owner_name is not null "
            "group by owner_name order by owner_name limit 1"
        ).fetchone()
    verdict = "below" if tier_1 < 25 else "above" if tier_1 > 50 else "within"
    assert f"| tier_1 | {tier_1:,} | 25–50 | {verdict} |" in pack
    # every play entered on the one published date, by owner (the first run: all of them)
    assert "## Plays worked within their SLA" in pack and f"| {owner} | tier_1 | {entered} |" in pack
    assert main(["review", "--date", "2020-01-01"]) == 3
    assert "2020-01-01 is not in the published history" in capsys.readouterr().err
