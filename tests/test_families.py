"""Account families and buying groups on real exports, run through the real dbt project.

Hand-built companies are added to a generated sample's Salesforce-shaped account exports: a chain 21
accounts long, a cycle of three, a parent that only appears in a later export, a family whose two
subsidiaries surge on the same topic, and an economic buyer whose e-mail bounces on the last day.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.sample_data.generator import SampleSpec, generate
from dagster_project.settings import paths
from tests.dbt_helpers import run_dbt
from tests.test_history import ingest_all

END = dt.date(2026, 6, 14)
SPEC = SampleSpec(accounts=150, days=7, seed=5, end_date=END)
DATES = [END - dt.timedelta(days=n) for n in range(3, -1, -1)]  # the HubSpot day, two Salesforce days, a report day
LATE_PARENT_FROM = END - dt.timedelta(days=1)

CHAIN = [f"001CHAIN{n:09d}" for n in range(21)]
CYCLE = ["001CYCLE000000001", "001CYCLE000000002", "001CYCLE000000003"]
LATE_CHILD, LATE_PARENT = "001LATECHILD00001", "001LATEPARENT0001"
GROUP_PARENT, GROUP_A, GROUP_B = "001GROUPPARENT001", "001GROUPSUBSA0001", "001GROUPSUBSB0001"
HEADER = "Id,Name,Website,Industry,NumberOfEmployees,AnnualRevenue,BillingCountry,Type,OwnerId,ParentId,IsDeleted,CreatedDate"


def _account(account_id: str, name: str, parent: str = "") -> str:
    domain = name.lower().replace(" ", "-") + ".example"
    return f"{account_id},{name},https://{domain}/,Software,2000,100000000,US,Prospect,005FAMILY,{parent},false,2020-01-01"


def _accounts(day: dt.date) -> list[str]:
    rows = [_account(CHAIN[0], "Chain 00")]
    rows += [_account(CHAIN[n], f"Chain {n:02d}", CHAIN[n - 1]) for n in range(1, 21)]
    rows += [_account(CYCLE[n], f"Cycle {n}", CYCLE[(n + 1) % 3]) for n in range(3)]
    rows.append(_account(LATE_CHILD, "Late Child", LATE_PARENT))
    if day >= LATE_PARENT_FROM:
        rows.append(_account(LATE_PARENT, "Late Parent"))
    rows += [
        _account(GROUP_PARENT, "Group Parent"),
        _account(GROUP_A, "Group Subsidiary A", GROUP_PARENT),
        _account(GROUP_B, "Group Subsidiary B", GROUP_PARENT),
    ]
    return rows


def _write(path: Path, header: str, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


def add_families(landing: Path) -> None:
    for folder in sorted((landing / "crm_accounts").iterdir()):
        day = dt.date.fromisoformat(folder.name)
        _write(folder / "handbuilt_families.csv", HEADER, _accounts(day))
    for folder in sorted((landing / "crm_contacts").iterdir()):
        bounced = "true" if dt.date.fromisoformat(folder.name) == END else "false"
        recent = (dt.date.fromisoformat(folder.name) - dt.timedelta(days=3)).isoformat()
        _write(
            folder / "handbuilt_contacts.csv",
            "Id,AccountId,FirstName,LastName,Email,Title,IsEmailBounced,LastActivityDate,HasOptedOutOfEmail,IsDeleted",
            [
                f"003GROUPCEO000001,{GROUP_A},Pat,Lee,pat.lee@group-subsidiary-a.example,Chief Executive Officer,"
                f"{bounced},{recent},false,false"
            ],
        )
    for day in DATES:
        _write(
            landing / "intent" / day.isoformat() / "handbuilt_intent.csv",
            "domain,topic,score,date",
            [f"group-subsidiary-a.example,data pipelines,90,{day}", f"group-subsidiary-b.example,data pipelines,90,{day}"],
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("families") / "data"
    generate(SPEC, folder / "landing")
    add_families(folder / "landing")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ABM_DATA_DIR", str(folder))
        ingest_all(END)
        run_dbt(DATES[0], DATES[-1], select="+account_families")
    return folder


@pytest.fixture()
def warehouse(built, data_dir):
    shutil.copy(built / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        yield con


def family(con, account_id: str, day: dt.date = END) -> tuple:
    return con.execute(
        "select parent_account_id, parent_status, ultimate_parent_account_id, hierarchy_depth, hierarchy_path, hierarchy_issue "
        "from int_account_families_assigned where account_id = ? and score_date = ?",
        [account_id, day],
    ).fetchone()


def test_a_chain_21_accounts_long_rolls_up_to_its_root(warehouse):
    parent, status, ultimate, depth, path, issue = family(warehouse, CHAIN[20])
    assert (parent, status, ultimate, depth, issue) == (CHAIN[19], "child", CHAIN[0], 20, None)
    assert path == "/" + "/".join(CHAIN) + "/"


def test_a_cycle_is_broken_once_at_its_lowest_id_and_reported_with_its_ids(warehouse):
    rows = {account_id: family(warehouse, account_id) for account_id in CYCLE}
    assert [row[1] for row in rows.values()] == ["cycle_broken", "child", "child"]
    assert {row[2] for row in rows.values()} == {CYCLE[0]}, "the whole cycle becomes one family under its lowest id"
    issue = rows[CYCLE[0]][5]
    assert issue.startswith("cycle: parent links") and all(account_id in issue for account_id in CYCLE)


def test_a_parent_joins_from_the_first_export_it_appears_in(warehouse):
    before = family(warehouse, LATE_CHILD, LATE_PARENT_FROM - dt.timedelta(days=1))
    after = family(warehouse, LATE_CHILD, LATE_PARENT_FROM)
    assert before[1:3] == ("orphan", LATE_CHILD) and LATE_PARENT in before[5]
    assert after[:3] == (LATE_PARENT, "child", LATE_PARENT) and after[5] is None


def test_the_samples_parent_links_resolve_the_same_whatever_tool_wrote_the_export(warehouse):
    """HubSpot's Parent Company, Salesforce's 18-character ParentId and a report's 15-character
    Parent Account ID give the same links, day after day."""
    links = warehouse.execute(
        "select score_date, list(account_id || '>' || parent_account_id order by account_id) from int_account_parents_resolved "
        "where parent_status = 'child' and account_id like '0015g%' and score_date >= ? group by score_date order by score_date",
        [DATES[0]],
    ).fetchall()
    assert [day for day, _ in links] == DATES
    assert len(links[0][1]) > 5 and all(day_links == links[0][1] for _, day_links in links)


def test_one_surge_seen_by_two_subsidiaries_counts_once_for_the_parent_and_the_family(warehouse):
    parent = warehouse.execute(
        "select intent_score, top_intent_topic, top_intent_account_id from int_account_intent_scored "
        "where account_id = ? and score_date = ?",
        [GROUP_PARENT, END],
    ).fetchone()
    assert parent == (13.5, "data pipelines", GROUP_A), "90 on a weight-1 topic is 13.5 points, once; the tie names the lower id"
    families = warehouse.execute(
        "select members, family_intent_score, intent_driver_account_name from account_families where ultimate_parent_account_id = ?",
        [GROUP_PARENT],
    ).fetchone()
    assert families == (3, 13.5, "Group Subsidiary A")
    reason = warehouse.execute("select tier_reason from account_tiers where account_id = ?", [GROUP_PARENT]).fetchone()[0]
    assert "rolled up from Group Subsidiary A: surge on 'data pipelines' today" in reason


def test_family_engagement_is_the_sum_of_its_members_own(warehouse):
    mismatched = warehouse.execute(
        """
        with own as (
            select tiers.ultimate_parent_account_id, sum(coalesce(engagement.activity_points_raw, 0)) as points
            from account_tiers as tiers
            left join int_account_engagement_scored as engagement
                on tiers.account_id = engagement.account_id and tiers.as_of_date = engagement.score_date
            group by all
        )
        select families.ultimate_parent_account_id, families.family_activity_points, own.points
        from account_families as families
        inner join own using (ultimate_parent_account_id)
        where families.family_activity_points <> own.points
        """
    ).fetchall()
    (engaged,) = warehouse.execute("select count(*) from account_families where family_activity_points > 0").fetchone()
    assert engaged > 0 and mismatched == []


def test_a_bounced_economic_buyer_drops_coverage_the_next_day_for_the_account_and_its_parent(warehouse):
    coverage = warehouse.execute(
        "select account_id, score_date, buying_group_coverage, missing_buying_roles from int_account_buying_group_covered "
        "where account_id in (?, ?) and score_date >= ? order by account_id, score_date",
        [GROUP_PARENT, GROUP_A, END - dt.timedelta(days=1)],
    ).fetchall()
    by_day = {(account, day): (share, missing) for account, day, share, missing in coverage}
    for account in (GROUP_PARENT, GROUP_A):
        before, after = by_day[(account, END - dt.timedelta(days=1))], by_day[(account, END)]
        assert before[0] == pytest.approx(0.5) and "economic buyer" not in before[1]
        assert after[0] == 0.0 and after[1].startswith("economic buyer")
    moved_without_cause = warehouse.execute(
        """
        with usable as (
            select contacts.score_date, contacts.account_id, list(contacts.contact_id order by contacts.contact_id) as ids
            from int_contacts_flagged as contacts
            where not contacts.is_stale and not contacts.is_unverified and not contacts.is_bounced
            group by all
        ),
        daily as (
            select covered.score_date, covered.account_id, covered.buying_group_coverage, usable.ids
            from int_account_buying_group_covered as covered
            inner join int_account_families_assigned as families using (score_date, account_id)
            left join usable using (score_date, account_id)
            where families.family_size = 1
        )
        select today.account_id from daily as today
        inner join daily as yesterday on today.account_id = yesterday.account_id and yesterday.score_date = today.score_date - 1
        where today.score_date = ? and today.ids is not distinct from yesterday.ids
            and today.buying_group_coverage <> yesterday.buying_group_coverage
        """,
        [END],
    ).fetchall()
    # both days' contacts come from Salesforce exports: a HubSpot export has no Department, which
    # technical evaluators are matched on where present
    assert moved_without_cause == [], "coverage moves only when an account's usable contacts change"
