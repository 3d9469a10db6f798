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


def test_alert_text_from_exports_carries_no_slack_markup():
    assert slack_escape("<!channel> see <http://x.io|here> & more") == "&lt;!channel&gt; see &lt;http://x.io|here&gt; &amp; more"


def test_a_failing_webhook_is_logged_without_its_token(caplog):
    with caplog.at_level(logging.ERROR):
        post_json("http://127.0.0.1:9/services/T000/B000/SECRETTOKEN", {"text": "x"}, logging.getLogger("test"))
    assert "127.0.0.1" in caplog.text and "SECRETTOKEN" not in caplog.text


@pytest.mark.parametrize("name", ['ABM_Tier__c" as x, (select 1) as "y', "tier;drop", "", "9lives"])
def test_write_back_field_names_that_could_break_out_of_sql_are_refused(name):
    config = copy.deepcopy(load_scoring_config(DEFAULT_SCORING_CONFIG))
    config["activation"]["writeback_fields"]["salesforce_tier"] = name
    with pytest.raises(ScoringConfigError, match="activation.writeback_fields.salesforce_tier' must be a CRM field name"):
        validate(config)
