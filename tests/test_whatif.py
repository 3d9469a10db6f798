"""`abm whatif` on the session's sample: the current rules replayed reproduce the stored history row
for row, a candidate's changes are shown with both reasons, and nothing live is ever written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import yaml

from dagster_project.cli import main
from dagster_project.settings import DEFAULT_SCORING_CONFIG
from tests.conftest import PREVIOUS_DAY, SAMPLE_END


def fingerprints(folder: Path) -> dict[str, str]:
    """Every file of the published versions and the live warehouse, by content."""
    files = [*sorted((folder / "published").rglob("*")), folder / "warehouse.duckdb"]
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.is_file()}


def latest_whatif(folder: Path) -> Path:
    return max((folder / "whatif").iterdir())


def candidate(tmp_path: Path, change=None) -> Path:
    rules = yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())
    if change:
        change(rules)
    path = tmp_path / "candidate.yml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return path


def test_the_current_rules_replayed_reproduce_the_stored_history_and_nothing_live_changes(published_yesterday, tmp_path, capsys):
    assert main(["run", "--date", SAMPLE_END.isoformat()]) == 0
    before = fingerprints(published_yesterday)
    assert main(["whatif", "--config", str(candidate(tmp_path))]) == 0
    assert fingerprints(published_yesterday) == before
    out = capsys.readouterr().out
    assert f"over {PREVIOUS_DAY}..{SAMPLE_END}" in out and "0 accounts change tier." in out

    scratch = latest_whatif(published_yesterday)
    with duckdb.connect(str(scratch / "warehouse.duckdb"), read_only=True) as con:
        con.execute(f"attach '{published_yesterday / 'published' / 'serving.duckdb'}' as served (read_only)")
        columns = [name for (name,) in con.execute("select column_name from (describe main.account_tier_history)").fetchall()]
        listed = ", ".join(f'cast("{c}" as varchar)' for c in columns)
        replayed = f"select {listed} from main.account_tier_history"
        stored = f"select {listed} from served.main.account_tier_history"
        assert con.execute(f"select count(*) from ({replayed})").fetchone()[0] > 0
        assert con.execute(f"select count(*) from ({replayed} except all {stored})").fetchone()[0] == 0
        assert con.execute(f"select count(*) from ({stored} except all {replayed})").fetchone()[0] == 0
        moved = con.execute("select coalesce(sum(accounts), 0) from whatif_tier_migrations where current_tier != candidate_tier").fetchone()
    assert moved == (0,)


def test_a_candidate_shows_who_moves_with_both_reasons(published_yesterday, tmp_path, capsys):
    def smaller_tier_1(rules):
        rules["tiers"]["tier_1_cap"] = 3

    assert main(["whatif", "--config", str(candidate(tmp_path, smaller_tier_1))]) == 0
    scratch = latest_whatif(published_yesterday)
    with duckdb.connect(str(scratch / "warehouse.duckdb"), read_only=True) as con:
        current_tier_1 = con.execute("select count(*) from baseline_tier_history where tier = 'tier_1'").fetchone()[0]
        moves = con.execute(
            "select current_tier, candidate_tier, accounts from whatif_tier_migrations where current_tier != candidate_tier"
        ).fetchall()
        changes = con.execute("select current_reason, candidate_reason from whatif_account_changes").fetchall()
        outcomes = {row[0] for row in con.execute("select rules from whatif_tier_outcomes").fetchall()}
    assert current_tier_1 > 3
    assert moves == [("tier_1", "tier_2", current_tier_1 - 3)]
    assert len(changes) == current_tier_1 - 3
    assert all(now.startswith("Tier 1") and then.startswith("Tier 2") for now, then in changes), changes[:3]
    assert outcomes <= {"current", "candidate"}
    page = (scratch / "whatif_report.html").read_text()
    assert "Migration matrix" in page and "Accounts that change tier" in page
    out = capsys.readouterr().out
    assert f"{current_tier_1 - 3:,} accounts change tier." in out


def test_a_whatif_outside_the_stored_window_is_refused(published_yesterday, tmp_path, capsys):
    assert main(["whatif", "--config", str(candidate(tmp_path)), "--end", SAMPLE_END.isoformat()]) == 3
    assert "not within the stored history" in capsys.readouterr().err
    assert not (published_yesterday / "whatif").exists()
