"""Realistic, deliberately messy sample exports, generated set-based inside DuckDB.

Every value is a pure function of (seed, entity number, salt) through DuckDB's `hash`, so the same
seed and end date always give byte-identical files, and a million accounts stream straight from
SQL to disk without Python ever touching a row.

Each export date gets one folder per source, written in the formats the real tools produce:
Salesforce API names (CSV, gzip CSV, loader snake_case Parquet), HubSpot UI headers (UTF-8 BOM,
`;`-delimited on some days), Bombora Company Surge (weekly), generic first-party intent (JSON
Lines), HG Insights (CSV) and BuiltWith (Parquet) technographics, and an email verifier's results.
"""

from __future__ import annotations

import datetime as dt
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.ingest.parsing import install_macros
from dagster_project.sample_data import vocab
from dagster_project.sample_data.layouts import LAYOUTS, layouts_for
from dagster_project.scratch import in_memory_duckdb

SOURCES = (
    "crm_accounts",
    "crm_contacts",
    "crm_opportunities",
    "crm_activities",
    "technographics",
    "intent",
    "email_verifications",
    "crm_users",
)


# The profile the sample's won deals follow (see _plant_icp): each trait multiplies the odds of a win.
PLANTED_ICP = {
    "industries": ("Software", "Financial Services"),
    "min_employees": 200,
    "max_employees": 4999,
    "technologies": ("Snowflake", "dbt"),
}

BASE_WIN_ODDS = 0.15 / 0.85
ICP_TRAIT_ODDS = 3.0
# Owners differ in diligence (0..1, see the activities' OUT- touches): the most diligent touch their
# accounts ten times as often as the least and win with DILIGENCE_WIN_ODDS times the odds, so a play
# run on time converts better. Owners are drawn independently of the ICP traits, whose lift stays.
DILIGENCE_WIN_ODDS = 4.0
DEALS_BEFORE_HISTORY_DAYS = 7


@dataclass(frozen=True)
class SampleSpec:
    accounts: int
    days: int
    seed: int = 42
    end_date: dt.date | None = None
    contacts_per_account: int = 5
    # Bombora topics tracked per export: the first len(vocab intent_topics) are the ones scoring counts.
    intent_topics: int = len(vocab.LISTS["intent_topics"])

    @property
    def last_day(self) -> dt.date:
        return self.end_date or (dt.date.today() - dt.timedelta(days=1))

    @property
    def export_dates(self) -> list[dt.date]:
        first = self.last_day - dt.timedelta(days=self.days - 1)
        return [first + dt.timedelta(days=k) for k in range(self.days)]


def generate(spec: SampleSpec, out_dir: Path, threads: int | None = None, sources: tuple[str, ...] = SOURCES) -> dict[str, int]:
    """Write the sources' exports (default: every source) for every date under out_dir; return rows written per source."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Sorting a weekly intent export of 1 M accounts held 10.5 GiB; under the limit DuckDB spills it.
    with in_memory_duckdb() as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        install_macros(con)  # the Salesforce id checksum
        _create_macros(con, spec.seed, vocab.tracked_topics(spec.intent_topics))
        _create_entities(con, spec)
        rows = dict.fromkeys(sources, 0)
        for day_index, export_date in enumerate(spec.export_dates):
            for source in sources:
                for layout in layouts_for(source, day_index, export_date):
                    rows[source] += _write_export(con, out_dir, source, export_date, day_index, spec, layout)
    return rows


def _create_macros(con: duckdb.DuckDBPyConnection, seed: int, tracked_topics: list[str]) -> None:
    # u(salt, i) is a uniform number in [0, 1) that depends only on the seed, a salt and an entity number.
    con.execute(f"create macro u(salt, i) as (hash({int(seed)}, salt, i) % 1000003) / 1000003.0")
    con.execute("create macro pick(xs, salt, i) as xs[1 + cast(floor(u(salt, i) * len(xs)) as integer)]")
    # company i's owner is one of 12 (owner_id), each with a diligence of its own
    con.execute("create macro owner_diligence(i) as u('diligence', cast(floor(u('own', i) * 12) as integer))")
    for name, values in {**vocab.LISTS, "tracked_topics": tracked_topics}.items():
        literal = "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"
        con.execute(f"create macro {name}() as {literal}")


def _create_entities(con: duckdb.DuckDBPyConnection, spec: SampleSpec) -> None:
    # Dates that describe the past (creation, last activity) lie before the first export, so no
    # export ever holds a date after its own export date.
    first = spec.export_dates[0].isoformat()
    last = spec.last_day.isoformat()
    con.execute(
        f"""
        create table companies as
        with base as (
            -- Names are unique by construction (prefix x core x place x number) so domains are too.
            select
                i,
                name_prefixes()[1 + i % 24] || ' ' || name_cores()[1 + (i // 24) % 20]
                    || case when i >= 480 then ' ' || places()[1 + (i // 480) % 30] else '' end
                    || case when i >= 14400 then ' ' || cast(i // 14400 as varchar) else '' end as base_name,
                pick(company_suffixes(), 'ns', i) as suffix,
                pick(tlds(), 'tld', i) as tld,
                least(i - 1, cast(floor(u('pj', i) * 5) as integer)) as p,
                u('ind', i) as r_industry,
                u('emp', i) as r_employees,
                u('cty', i) as r_country
            from range({spec.accounts}) t(i)
        )
        select
            i,
            -- Salesforce ids: a 15-character case-sensitive id plus its 3-character checksum
            abm_salesforce_id('0015g' || chr(cast(65 + i % 26 as integer)) || lpad(cast(i as varchar), 9, '0')) as account_id,
            base_name || ' ' || suffix as account_name,
            replace(lower(base_name), ' ', '') || tld as domain,
            case
                when r_industry < 0.08 then null
                else pick(industries(), 'ind2', i)
            end as industry,
            cast(round(exp(2.3 + 7.6 * r_employees)) as integer) as employees,
            round(exp(2.3 + 7.6 * r_employees) * (60000 + 240000 * u('rev', i)), -3) as annual_revenue,
            case
                when r_country < 0.45 then 'US' when r_country < 0.55 then 'GB'
                when r_country < 0.63 then 'DE' when r_country < 0.69 then 'CA'
                when r_country < 0.74 then 'FR' when r_country < 0.78 then 'AU'
                when r_country < 0.81 then 'NL' when r_country < 0.87 then 'IN'
                when r_country < 0.91 then 'BR' when r_country < 0.93 then 'RU'
                else pick(other_countries(), 'cty2', i)
            end as country,
            pick(us_states(), 'st', i) as state,
            case when u('typ', i) < 0.85 then 'Prospect' when u('typ', i) < 0.95 then 'Customer' else 'Partner' end
                as account_type,
            abm_salesforce_id('0055g' || lpad(cast(cast(floor(u('own', i) * 12) as integer) as varchar), 10, '0'))
                as owner_id,
            date '{first}' - cast(floor(u('crt', i) * 2500) as integer) as created_date,
            u('eng', i) as engagement_propensity,
            u('int', i) < 0.45 as has_intent,
            date '{last}' - cast(floor(u('sc', i) * ({spec.days} + 40)) as integer) + 14 as surge_center,
            20 + 30 * u('base', i) as intent_base,
            35 + 50 * u('amp', i) as surge_amplitude,
            pick(intent_topics(), 'top', i) as surge_topic,
            case when u('trg', i) < 0.03 then 'funding_round' when u('trg', i) < 0.06 then 'leadership_change' end
                as trigger_event,
            -- one company in ten is a subsidiary of one of the five before it, so some chains run deep
            case when i > 0 and u('par', i) < 0.1 then
                abm_salesforce_id('0015g' || chr(cast(65 + (i - 1 - p) % 26 as integer)) || lpad(cast(i - 1 - p as varchar), 9, '0'))
            end as parent_account_id,
            u('dup', i) < 0.03 as has_duplicate,
            u('del', i) < 0.01 as is_deleted
        from base
        """
    )
    _plant_icp(con)
    _create_opportunities(con, spec)
    con.execute(
        f"""
        create table contacts as
        with slots as (
            select c.i, j
            from companies c,
                 unnest(range(1 + cast(floor(u('nct', c.i) * (2 * {spec.contacts_per_account} - 1)) as integer))) t(j)
        )
        select
            s.i,
            c.account_id,
            c.domain,
            abm_salesforce_id('0035g' || chr(cast(65 + (s.i * 64 + j) % 26 as integer)) || lpad(cast(s.i * 64 + j as varchar), 9, '0'))
                as contact_id,
            pick(first_names(), 'fn', s.i * 64 + j) as first_name,
            pick(last_names(), 'ln', s.i * 64 + j) as last_name,
            pick(titles(), 'ti', s.i * 64 + j) as title,
            u('em', s.i * 64 + j) < 0.03 as missing_email,
            u('bnc', s.i * 64 + j) < 0.05 as is_bounced,
            u('left', s.i * 64 + j) < 0.03 as has_left,
            u('opt', s.i * 64 + j) < 0.04 as opted_out,
            date '{first}' - cast(floor(pow(u('act', s.i * 64 + j), 2) * 1500) as integer) as last_activity_date,
            u('ver', s.i * 64 + j) as r_verify
        from slots s join companies c using (i)
        order by s.i, j
        """
    )


def _plant_icp(con: duckdb.DuckDBPyConnection) -> None:
    """The ideal customer profile the sample's deals follow, for discovery to find: software and
    financial-services companies, 200-4,999 employees and a Snowflake or dbt stack each raise the odds
    of winning (and shorten the cycle); every other attribute is noise."""
    con.execute(
        f"""
        alter table companies add column icp_traits integer;
        update companies set icp_traits =
            cast(coalesce(industry in {PLANTED_ICP["industries"]}, false) as integer)
            + cast(employees between {PLANTED_ICP["min_employees"]} and {PLANTED_ICP["max_employees"]} as integer)
            + cast(list_has_any(
                list_transform(
                    range(cast(floor(u('ntech', i) * 6) as integer)),
                    lambda j: fit_technologies()[1 + cast(floor(u('tech', i * 16 + j) * 16) as integer)]),
                {list(PLANTED_ICP["technologies"])}) as integer);
        """
    )


def _create_opportunities(con: duckdb.DuckDBPyConnection, spec: SampleSpec) -> None:
    """Deals with a life: each is created on its own date (from a week before the first export,
    so some predate the history), closes after its cycle and is won with odds that grow with the
    account's ICP traits and its owner's diligence; an export lists the deals created by its date, in the stage they reached."""
    first = spec.export_dates[0].isoformat()
    con.execute(
        f"""
        create table opportunities as
        with slots as (
            select c.*, j, i * 4 + j as o
            from companies c, unnest(range(1 + cast(floor(u('nop', i) * 2) as integer))) t(j)
            where u('opp', i) < 0.35
        )
        select
            i, j, account_id, account_name,
            abm_salesforce_id('0065g' || chr(cast(65 + o % 26 as integer)) || lpad(cast(o as varchar), 9, '0')) as opportunity_id,
            round(annual_revenue * (0.001 + 0.004 * u('amt', o)), -2) as amount,
            date '{first}' - {DEALS_BEFORE_HISTORY_DAYS} + cast(floor(u('oc', o) * ({spec.days} + {DEALS_BEFORE_HISTORY_DAYS})) as integer)
                as created_date,
            1 + cast(floor(u('cyc', o) * (30 - 5 * icp_traits)) as integer) as cycle_days,
            u('won', o) < win_odds / (1 + win_odds) as will_win
        from (
            select *, {BASE_WIN_ODDS} * pow({ICP_TRAIT_ODDS}, icp_traits)
                * pow({DILIGENCE_WIN_ODDS}, owner_diligence(i) - 0.5) as win_odds
            from slots
        )
        """
    )


def _write_export(con, out_dir: Path, source: str, export_date: dt.date, day_index: int, sample: SampleSpec, layout: str) -> int:
    folder = out_dir / source / export_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    spec = LAYOUTS[source][layout]
    query = string.Template(spec.query).substitute(d=export_date.isoformat(), k=day_index, days=sample.days, accounts=sample.accounts)
    tmp = folder / ("." + spec.file_name + ".tmp")
    if spec.xlsx:
        count = _write_xlsx(con, query, tmp)
    else:
        (count,) = con.execute(f"copy ({query}) to '{tmp}' ({spec.copy_options})").fetchone()
    if spec.byte_order_mark or spec.crlf or spec.footer:
        _rewrite_text(tmp, spec)
    tmp.replace(folder / spec.file_name)
    return int(count)


def _rewrite_text(path: Path, spec) -> None:
    """A BOM in front, Windows line endings, a report footer at the end: as the tools write them."""
    rewritten = path.with_suffix(path.suffix + ".rewrite")
    newline = b"\r\n" if spec.crlf else b"\n"
    with open(rewritten, "wb") as out, open(path, "rb") as src:
        if spec.byte_order_mark:
            out.write(b"\xef\xbb\xbf")
        if spec.crlf:
            for line in src:
                out.write(line.rstrip(b"\r\n") + newline)
        else:
            shutil.copyfileobj(src, out, length=1 << 20)
        for line in spec.footer:
            out.write(line.encode() + newline)
    rewritten.replace(path)


def _write_xlsx(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """The first sheet of a workbook, numbers and dates as typed cells (as a report export writes them)."""
    import xlsxwriter

    result = con.execute(query)
    header = [d[0] for d in result.description]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Report")
    date_cell = workbook.add_format({"num_format": "m/d/yyyy"})
    sheet.write_row(0, 0, header)
    count = 0
    while batch := result.fetchmany(10_000):
        for row in batch:
            count += 1
            for column, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(count, column, dt.datetime.combine(value, dt.time()), date_cell)
                elif value is not None:
                    sheet.write(count, column, value)
    workbook.close()
    return count
