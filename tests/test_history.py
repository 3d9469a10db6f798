"""Tier history is point-in-time and reproducible: any order of runs gives the same rows."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pytest

from dagster_project.ingest.loader import load_pending
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.sample_data.generator import SampleSpec, generate
from dagster_project.settings import paths
from tests.dbt_helpers import run_dbt

END = dt.date(2026, 9, 30)
SPEC = SampleSpec(accounts=250, days=30, seed=11, end_date=END)
DATES = [END - dt.timedelta(days=n) for n in range(7, -1, -1)]  # the last 8 of the 30 days


def ingest_all(up_to: dt.date) -> None:
    for source in SCHEMAS:
        _, errors = load_pending(paths(), source, up_to, None)
        assert not errors, errors


def warehouse() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(paths().warehouse), read_only=True)


def history() -> dict[str, list[tuple]]:
    with warehouse() as con:
        return {
            table: con.execute(f"select * from {table} order by all").fetchall()
            for table in ("account_tier_history", "account_tier_changes")
        }


def wipe_warehouse() -> None:
    paths().warehouse.unlink()


@pytest.fixture(scope="module")
def thirty_days(tmp_path_factory):
    """Thirty days of exports, generated and loaded into raw/ once for the module."""
    folder = tmp_path_factory.mktemp("history") / "data"
    generate(SPEC, folder / "landing")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ABM_DATA_DIR", str(folder))
        ingest_all(END)
    return folder


@pytest.fixture()
def landed_30(data_dir, thirty_days):
    for part in ("landing", "raw"):
        shutil.copytree(thirty_days / part, data_dir / part)
    return data_dir


@pytest.mark.slow
def test_backfills_in_any_order_give_the_same_history_as_nightly_runs(landed_30):
    for day in DATES:
        run_dbt(day, day)
    nightly = history()
    assert len({row[0] for row in nightly["account_tier_history"]}) == len(DATES)
    assert nightly["account_tier_changes"], "the sample should move some accounts between tiers"

    wipe_warehouse()
    run_dbt(DATES[4], DATES[-1])  # the later half first,
    run_dbt(DATES[0], DATES[5])  # then an overlapping earlier range
    assert history() == nightly

    wipe_warehouse()
    run_dbt(DATES[5], DATES[6])  # shuffled pieces: middle, first, last, the rest
    run_dbt(DATES[0], DATES[0])
    run_dbt(DATES[7], DATES[7])
    run_dbt(DATES[1], DATES[4])
    assert history() == nightly


def scored_days() -> int:
    with warehouse() as con:
        return con.execute("select count(*) from int_scoring_dates").fetchone()[0]


def contact_exports_read() -> list[str]:
    """The contact exports the contact snapshot view reads (their dates are written into its SQL)."""
    with warehouse() as con:
        (sql,) = con.execute("select sql from duckdb_views() where view_name = 'int_contacts_snapshotted'").fetchone()
    return sorted(set(re.findall(r"'(\d{4}-\d{2}-\d{2})'", sql)))


def test_nightly_runs_score_two_days_and_read_the_look_back_from_remembered_ranks(landed_30):
    for day in DATES:
        run_dbt(day, day)
    assert scored_days() == 2, "a nightly run after seven others scores its date and the day before"
    assert contact_exports_read() == [str(DATES[-2]), str(DATES[-1])], "and reads the exports of those two days only"
    last_night = [row for row in history()["account_tier_history"] if row[0] == DATES[-1]]

    wipe_warehouse()
    run_dbt(DATES[-1], DATES[-1], remember=False)
    assert scored_days() > 8, "without fingerprints, every day of the look-back is scored"
    assert len(contact_exports_read()) > 8
    assert history()["account_tier_history"] == last_night


def test_a_late_export_changes_only_the_dates_it_is_backfilled_for(landed_30):
    run_dbt(DATES[0], DATES[-1])
    before = history()["account_tier_history"]
    with warehouse() as con:
        (domain, account_id) = con.execute(
            f"select domain, account_id from account_tier_history where as_of_date = '{DATES[5]}' "
            f"and tier = 'tier_3' and fit_score >= 35 order by account_id limit 1"
        ).fetchone()

    # An intent export for DATES[5] arrives late: a strong surge for one account on that date.
    late = paths().landing / "intent" / DATES[5].isoformat() / "late_delivery.csv"
    late.write_text(f"domain,topic,score,date\n{domain},data pipelines,99,{DATES[5]}\n{domain},ETL,99,{DATES[5]}\n")
    ingest_all(END)
    run_dbt(DATES[5], DATES[5])
    after = history()["account_tier_history"]

    changed = {(row[0], row[1]) for row in set(after) ^ set(before)}
    assert changed == {(DATES[5], account_id)}
    as_of = {row[1]: row for row in after if row[0] == DATES[5]}
    old = {row[1]: row for row in before if row[0] == DATES[5]}
    columns = ["as_of_date", "account_id"]
    assert as_of[account_id] != old[account_id]
    assert [d for d in DATES if d < DATES[5]] and all(
        [r for r in after if r[0] == d] == [r for r in before if r[0] == d] for d in DATES if d != DATES[5]
    ), columns


def test_a_weight_changed_in_the_rules_file_changes_the_scores_with_no_code_change(landed_30, tmp_path):
    import yaml

    from dagster_project.settings import DEFAULT_SCORING_CONFIG
    from dagster_project.transform.scoring_config import load_scoring_config

    def fit_by_industry() -> dict[str, list[tuple]]:
        with warehouse() as con:
            return dict(
                con.execute(
                    f"select account_id, (industry, industry_points, fit_score) from account_tier_history where as_of_date = '{END}'"
                ).fetchall()
            )

    run_dbt(END, END)
    before = fit_by_industry()
    rules = yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())
    rules["fit"]["industries"]["Software"] = 5
    edited = tmp_path / "scoring.yml"
    edited.write_text(yaml.safe_dump(rules))
    run_dbt(END, END, scoring=load_scoring_config(edited))
    after = fit_by_industry()

    software = [a for a, (industry, _, _) in before.items() if industry == "Software"]
    assert software
    for account in before:
        industry, points, fit = before[account]
        if industry == "Software":
            assert (points, after[account][1]) == (15, 5)
            assert after[account][2] == fit - 10
        else:
            assert after[account] == before[account]


def test_a_review_calendar_holds_demotions_until_the_review_date_in_a_backfill_as_nightly(landed_30, tmp_path):
    """With review dates on the 10th and the 24th of the 30 days, a 21-day backfill demotes nobody
    between them (disqualification aside): the accounts the scores would demote stay, pending, and
    fall on the 24th, where the gate's count leaves them out. The last date alone gives the same rows."""
    import yaml

    from dagster_project.review import review_pack
    from dagster_project.settings import DEFAULT_SCORING_CONFIG
    from dagster_project.transform.scoring_config import load_scoring_config

    first, review = END - dt.timedelta(days=20), END - dt.timedelta(days=6)
    rules = yaml.safe_load(DEFAULT_SCORING_CONFIG.read_text())
    rules["review"] = {"quarterly": False, "dates": [first.isoformat(), review.isoformat()]}
    edited = tmp_path / "scoring.yml"
    edited.write_text(yaml.safe_dump(rules))
    scoring = load_scoring_config(edited)
    run_dbt(first, END, select="+account_tier_history +account_tier_changes +tier_movement_checks +play_adherence", scoring=scoring)
    with warehouse() as con:
        demoted_on = {
            day
            for (day,) in con.execute(
                "select distinct as_of_date from account_tier_changes where change_type = 'demotion' and to_tier <> 'disqualified'"
            ).fetchall()
        }
        pending = con.execute(
            "select as_of_date, account_id, tier, pending_tier, tier_reason from account_tier_history where tier_basis = 'review'"
        ).fetchall()
        fell_at_review = con.execute(
            f"select count(*), count(case when is_review_demotion then 1 end) from account_tier_changes "
            f"where as_of_date = '{review}' and change_type = 'demotion'"
        ).fetchone()
        (gate_counted,) = con.execute(
            f"select moved from tier_movement_checks where as_of_date = '{review}' and move = 'demotions'"
        ).fetchone()
        last_date = con.execute(f"select * from account_tier_history where as_of_date = '{END}' order by all").fetchall()

    assert demoted_on <= {first, review}, sorted(demoted_on)
    assert [row for row in pending if row[0] < review], "the calendar held some demotion back"
    assert all(first < day != review and pending_tier != tier for day, _, tier, pending_tier, _ in pending), pending
    held_before_review = [row for row in pending if row[0] == review - dt.timedelta(days=1)]
    assert all(f"until the review of {review}" in row[4] for row in held_before_review), held_before_review
    demoted, announced = fell_at_review
    assert announced > 0 and gate_counted == demoted - announced, (fell_at_review, gate_counted)

    # the review pack of the day before the review lists what is pending and what was promoted since
    with warehouse() as con:
        day_before = review - dt.timedelta(days=1)
        pack = review_pack(con, day_before, scoring["review"]["targets"], None)
        (promoted,) = con.execute(
            f"select count(*) from account_tier_changes where change_type = 'promotion' and as_of_date > '{first}' "
            f"and as_of_date <= '{day_before}'"
        ).fetchone()
        names = [
            name
            for (name,) in con.execute(
                f"select account_name from account_tier_history where as_of_date = '{day_before}' and tier_basis = 'review'"
            ).fetchall()
        ]
    assert f"Last review {first}; the next is {review}." in pack
    assert f"## Demotions pending for the review ({len(held_before_review):,}; they take effect on {review}" in pack
    assert names and all(name in pack for name in names)
    assert f"## Promotions since the last review ({promoted:,})" in pack

    wipe_warehouse()
    run_dbt(END, END, scoring=scoring)
    with warehouse() as con:
        assert con.execute(f"select * from account_tier_history where as_of_date = '{END}' order by all").fetchall() == last_date


def outbound_touches(landing, outbound_types: list[str]) -> list[tuple]:
    """(activity id, account id, domain, date) of every outbound activity in the raw activity exports, read
    straight from the files the generator wrote (the canonical CSV, JSON lines and gzip layouts)."""
    folder = landing / "crm_activities"
    files = [str(path) for path in sorted(folder.glob("*/activities.*"))]
    with duckdb.connect() as con:
        return con.execute(
            f"""select distinct activity_id, account_id, lower(regexp_replace(email_domain, '^www\\.', '')), activity_date
                from (select * from read_csv({[f for f in files if ".jsonl" not in f]}, union_by_name = true, all_varchar = true)
                      union all by name
                      select * from read_json({[f for f in files if f.endswith(".jsonl")]}, format = 'newline_delimited'))
                where lower(activity_type) in ?""",
            [outbound_types],
        ).fetchall()


def play_spells(history: list[tuple], first: dt.date, touches: list[tuple], sla_days: dict[str, int]) -> list[dict]:
    """Each play an account was in, counted in Python from the tier history and the raw touches: an
    account enters a play on the first date and whenever its play key differs from the day before."""
    by_account: dict[str, list[tuple]] = {}
    for row in history:
        by_account.setdefault(row[1], []).append(row)
    touched_on: dict[str, list[dt.date]] = {}
    domains = {row[3]: row[1] for row in history if row[3]}
    for _, account_id, domain, day in touches:
        account = account_id if account_id in by_account else domains.get(domain)
        if account:
            touched_on.setdefault(account, []).append(dt.date.fromisoformat(str(day)[:10]))
    spells = []
    for account, rows in by_account.items():
        rows.sort()
        entries = [
            row for k, row in enumerate(rows) if k == 0 or row[5] != rows[k - 1][5] or row[0] - rows[k - 1][0] > dt.timedelta(days=1)
        ]
        current = rows[-1]
        for k, (entered, _, owner, _, tier, play_key) in enumerate(entries):
            entered = max(entered, first)
            left = entries[k + 1][0] if k + 1 < len(entries) else None
            last_day = left - dt.timedelta(days=1) if left else END
            due = entered + dt.timedelta(days=sla_days[play_key])
            dates = sorted(d for d in touched_on.get(account, []) if entered <= d <= last_day)
            status = (
                "no_play"
                if tier == "disqualified"
                else "on_time"
                if dates and dates[0] <= due
                else "late"
                if dates
                else "overdue"
                if last_day > due
                else "moved_on"
                if left
                else "pending"
            )
            spells.append(
                # play_adherence counts a play by its owner on entry; account_plays by today's owner
                {
                    "account": account,
                    "entered": entered,
                    "owner": owner,
                    "owner_now": current[2],
                    "tier": tier,
                    "status": status,
                    "current": left is None,
                }
            )
    return spells


@pytest.mark.slow
def test_play_adherence_and_the_report_agree_with_a_count_from_the_raw_activity_exports(landed_30):
    """Over a 21-day backfill, the per-date table by tier and owner (play_adherence) and the report's
    section (account_plays) match a count made here from the generator's activity files and the tier
    history alone; tier 1 has plays worked on time and plays overdue."""
    from collections import Counter

    from dagster_project.publish.report import _adherence, plays_by_tier
    from dagster_project.settings import DEFAULT_SCORING_CONFIG
    from dagster_project.transform.scoring_config import load_scoring_config

    first = END - dt.timedelta(days=20)
    rules = load_scoring_config(DEFAULT_SCORING_CONFIG)
    run_dbt(first, END, select="+account_plays +play_adherence +play_performance")
    with warehouse() as con:
        tier_history = con.execute(
            "select as_of_date, account_id, owner_id, domain, tier, coalesce(play_key, tier) from account_tier_history"
        ).fetchall()
        sla_days = dict(con.execute("select distinct coalesce(play_key, tier), play_sla_days from account_tier_history").fetchall())
        adherence = con.execute(
            "select entered_date, tier, owner_id, accounts_entered, touched_on_time, touched_late, overdue, pending, moved_on "
            "from play_adherence"
        ).fetchall()
        report_by_tier = plays_by_tier(con)
        report_section = _adherence(con)
        owner_names = dict(con.execute("select distinct owner_id, owner_name from account_tiers").fetchall())

    touches = outbound_touches(paths().landing, rules["adherence"]["outbound_activity_types"])
    spells = [s for s in play_spells(tier_history, first, touches, sla_days) if s["tier"] != "disqualified"]

    counted = Counter((s["entered"], s["tier"], s["owner"], s["status"]) for s in spells)
    published = {}
    for entered, tier, owner, *numbers in adherence:
        for status, n in zip(("entered", "on_time", "late", "overdue", "pending", "moved_on"), numbers, strict=True):
            published[(entered, tier, owner, status)] = n
    statuses = ("on_time", "late", "overdue", "pending", "moved_on")
    assert {key: n for key, n in published.items() if key[3] != "entered" and n} == dict(counted)
    entered = Counter((s["entered"], s["tier"], s["owner"]) for s in spells)
    assert {key[:3]: n for key, n in published.items() if key[3] == "entered"} == dict(entered)

    current = [s for s in spells if s["current"]]
    by_tier = Counter((s["tier"], s["status"]) for s in current)
    assert set(report_by_tier) == {s["tier"] for s in current}
    for tier, (on_time, late, overdue, pending, *_) in report_by_tier.items():
        assert (on_time, late, overdue, pending) == tuple(by_tier[(tier, status)] for status in statuses[:4]), tier
    assert by_tier[("tier_1", "on_time")] and by_tier[("tier_1", "overdue")], by_tier
    for owner in {s["owner_now"] for s in current if s["tier"] == "tier_1"}:
        mine = [s["status"] for s in current if s["tier"] == "tier_1" and s["owner_now"] == owner]
        on_time, due = mine.count("on_time"), sum(status in statuses[:3] for status in mine)
        assert f"<td>{owner_names[owner]}</td><td>{on_time:,} of {due:,}</td>" in report_section, owner
