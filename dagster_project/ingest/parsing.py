"""Strict parsing inside DuckDB: a value either parses or its row is rejected with the reason.

Each macro returns NULL for a value it cannot read; the caller compares with the raw text to tell an
empty cell (NULL is fine) from an unreadable one (the row goes to the rejects table).

Numbers and day/month dates come in two conventions each. `formats.py` decides per file and column
which one a column is written in; the macros here read one convention each, so a value written in
the other convention is rejected instead of read wrongly.
"""

from __future__ import annotations

import string

import duckdb

MACROS = r"""
-- Numbers: currency symbols and codes, percent signs, spaces (also no-break spaces) and apostrophes
-- used for grouping are dropped; `(1,234)` is negative. What is left must be a number written with
-- `,` grouping and a `.` decimal (us) or `.` grouping and a `,` decimal (eu).
create or replace macro abm_number_core(v) as
    regexp_replace(lower(v), '(usd|eur|gbp|chf|[\s\x{00a0}\x{202f}''’%$€£¥()])', '', 'g');

create or replace macro abm_number_sign(v) as case when regexp_full_match(trim(v), '\(.*\)') then -1 else 1 end;

create or replace macro abm_number_us(core) as
    case when regexp_full_match(core, '[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?(e[-+]?\d+)?') and regexp_matches(core, '\d')
         then try_cast(replace(core, ',', '') as double) end;

create or replace macro abm_number_eu(core) as
    case when regexp_full_match(core, '[-+]?(\d{1,3}(\.\d{3})+|\d*)(,\d*)?(e[-+]?\d+)?') and regexp_matches(core, '\d')
         then try_cast(replace(replace(core, '.', ''), ',', '.') as double) end;

create or replace macro abm_parse_number_us(v) as abm_number_sign(v) * abm_number_us(abm_number_core(v));
create or replace macro abm_parse_number_eu(v) as abm_number_sign(v) * abm_number_eu(abm_number_core(v));

-- The same readings, faster for the columns whose values are mostly plain (`1234.5`) or ISO dates:
-- those are cast directly, and only the others take the full parse.
create or replace macro abm_parse_number_mostly_plain(v) as
    case when try_cast(v as double) is not null then try_cast(v as double) else abm_parse_number_us(v) end;

create or replace macro abm_whole(x) as case when x = floor(x) and abs(x) < 9.2e18 then cast(x as bigint) end;
create or replace macro abm_parse_integer_us(v) as abm_whole(abm_parse_number_us(v));
create or replace macro abm_parse_integer_eu(v) as abm_whole(abm_parse_number_eu(v));
create or replace macro abm_parse_integer_mostly_plain(v) as abm_whole(abm_parse_number_mostly_plain(v));

-- Dates: ISO forms (with or without a time, as Salesforce's API and most tools write them) always;
-- a day/month date (`3/25/2024`, `25/03/2024`, `25-03-2024 10:15`) in the column's convention,
-- month first (mdy) or day first (dmy); `25.03.2024` is day first wherever it appears.
create or replace macro abm_parse_iso_date(v) as case when regexp_matches(v, '^\d{4}[-/]\d{1,2}[-/]\d{1,2}') then coalesce(
    try_cast(v as date),
    cast(try_strptime(v, ['%Y-%m-%dT%H:%M:%S.%gZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S%z',
                          '%Y-%m-%dT%H:%M:%S.%g%z', '%Y/%m/%d', '%Y/%m/%d %H:%M:%S']) as date),
    cast(try_cast(v as timestamp) as date)
) end;

create or replace macro abm_date_parts(v) as
    regexp_extract(trim(v), '^(\d{1,2})([/.-])(\d{1,2})[/.-](\d{4}|\d{2})($|[ T,].*$)', ['first', 'separator', 'second', 'year']);

create or replace macro abm_full_year(y) as
    case when length(y) = 2 then try_cast(y as integer) + case when try_cast(y as integer) < 70 then 2000 else 1900 end
         else try_cast(y as integer) end;

create or replace macro abm_ymd(y, m, d) as
    try_cast(printf('%04d-%02d-%02d', abm_full_year(y), try_cast(m as integer), try_cast(d as integer)) as date);

create or replace macro abm_day_month_date(p, day_first) as
    case when p.separator = '.' or day_first then abm_ymd(p.year, p.second, p.first)
         else abm_ymd(p.year, p.first, p.second) end;

create or replace macro abm_parse_date_mdy(v) as coalesce(abm_parse_iso_date(v), abm_day_month_date(abm_date_parts(v), false));
create or replace macro abm_parse_date_dmy(v) as coalesce(abm_parse_iso_date(v), abm_day_month_date(abm_date_parts(v), true));
create or replace macro abm_parse_date_mostly_iso_mdy(v) as
    case when try_cast(v as date) >= date '1000-01-01' then try_cast(v as date) else abm_parse_date_mdy(v) end;
create or replace macro abm_parse_date_mostly_iso_dmy(v) as
    case when try_cast(v as date) >= date '1000-01-01' then try_cast(v as date) else abm_parse_date_dmy(v) end;

create or replace macro abm_parse_boolean(v) as
    case when lower(v) in ('true', 't', '1', 'yes', 'y', 'wahr', 'ja', 'vrai', 'oui', 'x') then true
         when lower(v) in ('false', 'f', '0', 'no', 'n', 'falsch', 'nein', 'faux', 'non') then false end;

create or replace macro abm_parse_text(v) as v;

-- Salesforce ids: reports show the 15-character case-sensitive form, the API and Data Loader the
-- 18-character one (the same id plus a checksum of its upper-case letters). Both become 18.
create or replace macro abm_salesforce_id(v) as
    case when regexp_full_match(v, '[a-zA-Z0-9]{15}') then v || ${checksum} else v end;

-- Domains are the join key across sources: drop scheme, user part of emails, www., port, path,
-- query and trailing dots, and lower-case what is left.
create or replace macro abm_normalise_domain_fully(v) as nullif(
    rtrim(
        regexp_replace(
            regexp_replace(
                regexp_replace(regexp_replace(lower(trim(v)), '^[a-z][a-z0-9+.-]*://', ''), '^[^/]*@', ''),
                '[:/?#].*$', ''),
            '^www[0-9]*\.', ''),
        '.'),
    '');

-- A value that already is a bare lower-case domain comes out of the steps above unchanged, so it
-- skips them: each of those string functions writes a new string per row (14 s on the 22 M rows of
-- a million accounts' intent export; the test for a bare domain 2 s). Which columns take this
-- shortcut: MOSTLY_BARE_DOMAINS in loader.py.
create or replace macro abm_normalise_domain(v) as
    case when regexp_full_match(v, '[a-z0-9-]+(\.[a-z0-9-]+)*') and not starts_with(v, 'www') then v
         else abm_normalise_domain_fully(v) end;
"""


def _salesforce_checksum() -> str:
    """The three checksum characters of a 15-character id `v`: for each 5-character chunk, a bit per
    upper-case letter picks one of A-Z0-5. Spelled out term by term: a list lambda per row was 10x slower."""
    chunks = []
    for chunk in range(3):
        bits = " + ".join(f"case when substr(v, {chunk * 5 + j + 1}, 1) between 'A' and 'Z' then {1 << j} else 0 end" for j in range(5))
        chunks.append(f"substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + {bits}, 1)")
    return " || ".join(chunks)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(string.Template(MACROS).safe_substitute(checksum=_salesforce_checksum()))
