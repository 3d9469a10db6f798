"""Nothing in an export reaches further than it should: links in the landing folder are not followed,
write-back cells cannot run as formulas, alert text cannot carry Slack markup, secrets stay out of logs,
and config values that reach SQL are validated."""

from __future__ import annotations

import copy
import datetime as dt
import logging

import duckdb
import pytest

from dagster_project.alerts import post_json, slack_escape
from dagster_project.ingest.loader import ExportRejected, load_export
from dagster_project.publish.activation import spreadsheet_safe
from dagster_project.settings import DEFAULT_SCORING_CONFIG, Paths
from dagster_project.transform.scoring_config import ScoringConfigError, load_scoring_config, validate
from tests.conftest import write_text

DAY = dt.date(2026, 4, 1)


def test_a_link_in_the_landing_folder_is_refused_and_never_read(data_dir, tmp_path):
    paths = Paths(data_dir)
    secret = write_text(tmp_path / "secrets.env", "DB_PASSWORD=hunter2\n")
    folder = paths.landing / "crm_accounts" / DAY.isoformat()
    write_text(folder / "Account.csv", "Id,Name,Website\n001A,Acme,acme.com\n")
    (folder / "Account2.csv").symlink_to(secret)
    with pytest.raises(ExportRejected) as error:
        load_export(paths, "crm_accounts", DAY, None)
    assert "Account2.csv is a symbolic link" in str(error.value) and "hunter2" not in str(error.value)
    assert not (paths.raw / "crm_accounts").exists()


def test_a_hard_link_in_the_landing_folder_is_refused_and_its_content_appears_nowhere(data_dir, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    paths = Paths(data_dir)
    secret = write_text(tmp_path / "secrets.env", "DB_PASSWORD=hunter2\n")
    folder = paths.landing / "crm_accounts" / DAY.isoformat()
    folder.mkdir(parents=True)
    os.link(secret, folder / "Account.csv")
    write_text(paths.landing / "crm_contacts" / DAY.isoformat() / "Contact.csv", "Id,AccountId,Email\n003A,001A,a@acme.com\n")
    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, "run", "--date", DAY.isoformat()], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Account.csv has other names on the disk (a hard link)" in result.stderr, result.stderr
    stored = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and "landing" not in p.relative_to(data_dir).parts)
    assert b"hunter2" not in stored and "hunter2" not in result.stdout + result.stderr
    assert not (paths.raw / "crm_accounts").exists()


def test_an_export_folder_not_named_by_its_date_is_refused_at_once_naming_it(data_dir):
    import subprocess
    import sys
    from pathlib import Path

    paths = Paths(data_dir)
    write_text(paths.landing / "crm_accounts" / "20261005" / "Account.csv", "Id,Name,Website\n001A,Acme,acme.com\n")
    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, "run", "--date", "2026-10-05"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and "crm_accounts/20261005 (rename it 2026-10-05)" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # refused before any work: no retries, no traceback
    assert not (paths.raw / "crm_accounts").exists()


def test_a_linked_export_folder_outside_the_landing_tree_is_refused(data_dir, tmp_path):
    paths = Paths(data_dir)
    elsewhere = tmp_path / "elsewhere"
    write_text(elsewhere / "Account.csv", "Id,Name,Website\n001A,Acme,acme.com\n")
    (paths.landing / "crm_accounts").mkdir(parents=True)
    (paths.landing / "crm_accounts" / DAY.isoformat()).symlink_to(elsewhere)
    with pytest.raises(ExportRejected, match="lies outside the landing folder"):
        load_export(paths, "crm_accounts", DAY, None)


@pytest.mark.parametrize("value", ["=2+3", "+1 555", "-1+1", "@SUM(A1:A9)", "\tcmd", "\r=1"])
def test_write_back_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    (cell,) = duckdb.execute(f"select {spreadsheet_safe('v')} from (select ? as v)", [value]).fetchone()
    assert cell == "'" + value


def test_ordinary_write_back_cells_are_left_alone():
    (cell,) = duckdb.execute(f"select {spreadsheet_safe('v')} from (select ? as v)", ["Acme (a=b) 3-4"]).fetchone()
    assert cell == "Acme (a=b) 3-4"


def test_alert_text_from_exports_carries_no_slack_markup(data_dir, webhook):
    from dagster_project.alerts import send_alert

    assert slack_escape("<!channel> see <http://x.io|here> & more") == "&lt;!channel&gt; see &lt;http://x.io|here&gt; &amp; more"
    send_alert(data_dir / "alerts", "tier_change", "Acme <!channel> promoted", {"account_name": "Acme <!channel>", "accounts": 3})
    assert webhook.received[0]["text"] == "Acme &lt;!channel&gt; promoted"
    assert webhook.received[0]["account_name"] == "Acme &lt;!channel&gt;" and webhook.received[0]["accounts"] == 3


def test_a_failing_webhook_is_logged_without_its_token(caplog):
    with caplog.at_level(logging.ERROR):
        post_json("http://127.0.0.1:9/services/T000/B000/SECRETTOKEN", {"text": "x"}, logging.getLogger("test"))
    assert "127.0.0.1" in caplog.text and "SECRETTOKEN" not in caplog.text


@pytest.mark.parametrize("name", ['ABM_Tier__c" as x, (select 1) as "y', "tier;drop", "", "9lives"])
def test_write_back_field_names_that_could_break_out_of_sql_are_refused(name):
    config = copy.deepcopy(load_scoring_config(DEFAULT_SCORING_CONFIG))
    config["activation"]["writeback_fields"]["salesforce"]["tier"] = name
    with pytest.raises(ScoringConfigError, match="activation.writeback_fields.salesforce.tier' must be a CRM field name"):
        validate(config)


# --- contact data ---------------------------------------------------------------------------------


def test_published_contacts_carry_a_keyed_hash_and_no_names_and_the_key_is_in_no_artifact(data_dir):
    import hashlib
    import hmac
    import shutil
    from pathlib import Path

    from dagster_project.ingest.loader import load_pending
    from dagster_project.settings import DBT_PROJECT_DIR, paths, pii_secret
    from tests.dbt_helpers import run_dbt

    fixtures = Path(__file__).parent / "fixtures" / "exports"
    day = dt.date(2026, 11, 20)
    for source, name in [("crm_accounts", "salesforce_account_report.csv"), ("crm_contacts", "salesforce_contacts_dataloader.csv")]:
        folder = paths().landing / source / day.isoformat()
        folder.mkdir(parents=True)
        shutil.copy(fixtures / name, folder / name)
        assert not load_pending(paths(), source, day, None)[1]
    run_dbt(day, day, select="+contact_quality")
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        columns = [c[0] for c in con.execute("describe contact_quality").fetchall()]
        rows = dict(con.execute("select contact_id, email_hash from contact_quality").fetchall())
    assert not {"first_name", "last_name", "title", "email"} & set(columns)
    expected = hmac.new(pii_secret().encode(), b"dana.reyes@acme-analytics.com", hashlib.sha256).hexdigest()
    assert rows["0035g00000CaAaAAAV"] == expected
    for folder in (DBT_PROJECT_DIR / "target", DBT_PROJECT_DIR / "logs"):
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_size < 50_000_000:
                assert pii_secret().encode() not in path.read_bytes(), path


def test_a_key_file_others_can_read_or_a_key_of_few_characters_is_refused(data_dir, monkeypatch):
    import os

    from dagster_project.settings import PiiSecretError, pii_secret, pii_secret_file

    monkeypatch.delenv("ABM_PII_SECRET")
    key = write_text(pii_secret_file(), "9f2c47e1b08a5d63c4e2f7a19b3d6e80\n")
    os.chmod(key, 0o644)
    with pytest.raises(PiiSecretError, match=f"can be read by other users \\(mode 0644\\): run chmod 600 {key}"):
        pii_secret()
    os.chmod(key, 0o600)
    assert pii_secret() == "9f2c47e1b08a5d63c4e2f7a19b3d6e80"
    for weak in ("a" * 20, "abababababababababab"):
        monkeypatch.setenv("ABM_PII_SECRET", weak)
        with pytest.raises(PiiSecretError, match="fewer than 6 different characters"):
            pii_secret()


def test_a_killed_process_leaves_no_spill_folder_past_the_next_connection(data_dir):
    from dagster_project.runs import process_alive
    from dagster_project.scratch import SPILL_FOLDER, in_memory_duckdb

    dead = next(pid for pid in range(4_000_000, 4_100_000) if not process_alive(pid))
    leftover = data_dir / SPILL_FOLDER / f"{dead}-0badc0de"
    (leftover / "duckdb_temp_storage.tmp").parent.mkdir(parents=True)
    (leftover / "duckdb_temp_storage.tmp").write_bytes(b"spilled")
    with in_memory_duckdb() as con:
        assert not leftover.exists()
        (spill,) = con.execute("select current_setting('temp_directory')").fetchone()
        assert spill.startswith(str(data_dir / SPILL_FOLDER))
    assert not list((data_dir / SPILL_FOLDER).iterdir())


@pytest.mark.parametrize(("secret", "expected"), [(None, "set ABM_PII_SECRET"), ("abm-default-salt", "is a default")])
def test_a_run_without_a_real_key_is_refused_before_any_work(data_dir, monkeypatch, secret, expected):
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in __import__("os").environ.items() if k != "ABM_PII_SECRET"}
    if secret:
        env["ABM_PII_SECRET"] = secret
    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, "run", "--date", "2026-11-20"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and expected in result.stderr and "Traceback" not in result.stderr
    assert not (data_dir / "raw").exists() and not (data_dir / "warehouse.duckdb").exists()


def test_failing_contact_values_are_masked_in_check_results():
    import pandas as pd

    from dagster_project.quality.gx_suites import validate

    checked = pd.to_datetime(["2026-11-19"] * 3)
    frame = pd.DataFrame(
        {
            "email": ["jane.doe@acme.com", "jane.doe@acme.com", "not an address"],
            "result": ["valid"] * 3,
            "checked_at": checked,
            "_export_date": pd.to_datetime(["2026-11-20"] * 3),
        }
    )
    outcome = validate(
        "raw_email_verifications",
        "verifications",
        frame,
        {
            "freshness_floor": pd.Timestamp("2026-11-01"),
            "earliest_date": pd.Timestamp("1900-01-01"),
            "latest_date": pd.Timestamp("2026-11-21"),
            "horizon_date": pd.Timestamp("2027-11-21"),
        },
    )
    text = " ".join(o.describe() for o in outcome.failures)
    assert "***@acme.com" in text and "n***" in text  # the duplicate and the malformed address, masked
    assert "jane.doe" not in text and "not an address" not in text


# --- early, short errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["run", "--date", "2099-01-01"], {}, "has not ended yet"),
        (["backfill", "--start", "2026-11-20", "--end", "2026-11-01"], {}, "ends (2026-11-01) before it starts"),
        (["run", "--date", "2026-11-20"], {"ABM_SCORING_CONFIG": "/nonexistent/scoring.yml"}, "No such file"),
        (["run", "--date", "2026-11-20"], {"ABM_COLUMN_MAPPINGS": "{mappings}"}, "unknown source 'crm_acounts'"),
    ],
)
def test_runs_that_would_fail_are_refused_before_any_work_without_a_traceback(data_dir, tmp_path, args, env, expected):
    import os
    import subprocess
    import sys
    from pathlib import Path

    mappings = write_text(tmp_path / "mappings.yml", "crm_acounts:\n  x:\n    account_id: Id\n")
    env = {k: v.format(mappings=mappings) for k, v in env.items()}
    abm = str(Path(sys.executable).with_name("abm"))
    result = subprocess.run([abm, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (data_dir / "raw").exists()
