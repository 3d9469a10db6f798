"""`abm whatif` on the session's sample: the current rules replayed reproduce the stored history row
for row, a candidate's changes are shown with both reasons, and nothing live is ever written."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.cli import main
from dagster_project.sample_data.generator import PLANTED_ICP, SampleSpec, generate
from dagster_project.settings import DEFAULT_SCORING_CONFIG, Paths
from dagster_project.whatif import WhatIf, WhatIfError, prepare, read_outcomes
from tests.conftest import PREVIOUS_DAY, SAMPLE_END


def fingerprints(folder: Path) -> dict[str, str]:
    """Every file of the published versions and the live warehouse, by content."""
    files = [*sorted((folder / "published").rglob("*")), folder / "warehouse.duckdb"]
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.is_file()}


def latest_whatif(folder: Path) -> Path:
    """The latest replay's scratch folder (named by its start time; `abm icp` keeps its candidates in icp-*)."""
    return max((folder / "whatif").glob("2*"))


def candidate(tmp_path: Path, change=None) -> Path:
    rules = yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())
    if change:
        change(rules)
    path = tmp_path / "candidate.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
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
        baseline = f"read_parquet('{scratch / 'baseline_tier_history.parquet'}')"
        current_tier_1 = con.execute(f"select count(*) from {baseline} where tier = 'tier_1'").fetchone()[0]
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


def test_a_window_ending_on_a_date_the_history_skips_is_refused(tmp_path):
    # a history with a hole: scored on the 1st and the 3rd, never on the 2nd
    locations = Paths(tmp_path)
    locations.serving_db.parent.mkdir(parents=True)
    with duckdb.connect(str(locations.serving_db)) as con:
        con.execute("create table account_tier_history as select * from (values (date '2026-10-01'), (date '2026-10-03')) t(as_of_date)")
    with pytest.raises(WhatIfError, match="2026-10-02 was never scored"):
        prepare(locations, dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    assert not (tmp_path / "whatif").exists()
    assert prepare(locations, dt.date(2026, 10, 1), dt.date(2026, 10, 3)).baseline.exists()


@pytest.mark.slow
def test_a_candidate_on_the_planted_icp_lifts_tier_1_and_a_random_one_does_not(data_dir, tmp_path, monkeypatch, capsys):
    """A week of history on a sample with a planted ICP, and the deals of the two weeks after it: tier 1
    by the planted traits wins beyond the noise, tier 1 by country (noise in the sample) does not."""
    spec = SampleSpec(accounts=8000, days=21, seed=3, end_date=SAMPLE_END)
    generate(spec, data_dir / "landing")
    first, week = spec.export_dates[0], spec.export_dates[6]
    assert main(["backfill", "--start", first.isoformat(), "--end", week.isoformat()]) == 0
    assert main(["run", "--date", SAMPLE_END.isoformat()]) == 0  # loads the later deals and their outcomes

    def by_planted_traits(rules):
        rules["fit"].update(
            industries={name: 15 for name in PLANTED_ICP["industries"]},
            employee_bands=[{"min": 0, "points": 0}, {"min": PLANTED_ICP["min_employees"], "points": 12}, {"min": 5000, "points": 0}],
            revenue_bands=[{"min": 0, "points": 0}],
            target_countries={"points": 0, "countries": []},
            technologies={"max_points": 12, "signals": dict.fromkeys(PLANTED_ICP["technologies"], 12), "competitors": {}},
        )
        open_tiers(rules, tier_1_fit=27)

    def by_country(rules):
        rules["fit"].update(
            industries={},
            employee_bands=[{"min": 0, "points": 0}],
            revenue_bands=[{"min": 0, "points": 0}],
            target_countries={"points": 10, "countries": ["GB", "CA", "FR", "NL", "AU"]},
            technologies={"max_points": 0, "signals": {}, "competitors": {}},
        )
        open_tiers(rules, tier_1_fit=10)

    lifts = {}
    for name, change in (("planted", by_planted_traits), ("random", by_country)):
        path = candidate(tmp_path / name, change)
        assert main(["whatif", "--config", str(path), "--start", first.isoformat(), "--end", week.isoformat()]) == 0
        with duckdb.connect(str(latest_whatif(data_dir) / "warehouse.duckdb"), read_only=True) as con:
            lifts[name] = con.execute(
                "select closed_opportunities, lift_low, lift_high from whatif_tier_outcomes where rules = 'candidate' and tier = 'tier_1'"
            ).fetchone()
    (closed, low, _), (random_closed, random_low, random_high) = lifts["planted"], lifts["random"]
    assert closed >= 20 and random_closed >= 20, lifts
    assert low > 1, lifts
    assert random_low <= 1 <= random_high, lifts
    check_the_suggestion_wins_its_backtest(data_dir, tmp_path, monkeypatch, capsys)


def check_the_suggestion_wins_its_backtest(data_dir, tmp_path, monkeypatch, capsys):
    """`abm icp` suggests rules from the planted evidence only after backtesting them, and `abm whatif`
    on the suggestion shows them holding at least the current rules' share of wins in tiers 1+2."""
    rules = tmp_path / "rules" / "scoring.yml"
    rules.parent.mkdir()
    rules.write_text(DEFAULT_SCORING_CONFIG.read_text())
    monkeypatch.setenv("ABM_SCORING_CONFIG", str(rules))
    capsys.readouterr()
    assert main(["icp"]) == 0
    out = capsys.readouterr().out
    suggested = rules.with_name("scoring.suggested.yml")
    assert suggested.exists() and "Suggested: " in out, out
    # every candidate that ran left its replay; the thresholds matched to a candidate's points keep as
    # many accounts at or above each as the current thresholds do (ties at the cut aside)
    assert "thresholds matched" in out
    with duckdb.connect(str(latest_whatif(data_dir) / "warehouse.duckdb"), read_only=True) as con:
        for rule, score, reaching, matched in con.execute(
            "select rule, score, accounts_reaching, matched_threshold from whatif_score_thresholds where accounts_reaching > 0"
        ).fetchall():
            at_or_above, above = con.execute(
                f"select count(case when {score} >= ? then 1 end), count(case when {score} >= ? + 1 then 1 end) "
                "from account_tier_history where as_of_date = (select max(as_of_date) from account_tier_history)",
                [matched, matched],
            ).fetchone()
            assert above < reaching <= at_or_above, (rule, reaching, matched, at_or_above, above)

    assert main(["whatif", "--config", str(suggested)]) == 0
    _, figures = read_outcomes(WhatIf(latest_whatif(data_dir), dt.date.min, dt.date.min))
    assert figures["current"].closed_deals >= 20, figures
    assert figures["candidate"].holds_against(figures["current"]), figures


def open_tiers(rules, tier_1_fit: int) -> None:
    """Tiers by fit alone, tier 1 uncapped, nothing excluded (the default exclusions drop an industry
    that is not planted, which alone would lift whatever remains): the candidate's fit decides tier 1."""
    rules["exclusions"] = {"countries": [], "industries": [], "account_types": []}
    rules["tiers"].update(
        min_fit=0,
        tier_1={"min_total": 0, "min_fit": tier_1_fit, "min_intent": 0},
        tier_1_cap=1000000,
        tier_2={"min_fit": 5, "min_intent": 0, "min_total": 0},
    )
