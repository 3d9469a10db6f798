"""Strict parsing inside DuckDB: a value either parses or its row is rejected with the reason.

Each macro returns NULL for a value it cannot read; the caller compares with the raw text to tell an
empty cell (NULL is fine) from an unreadable one (the row goes to the rejects table).
"""

from __future__ import annotations

import duckdb

MACROS = r"""
create or replace macro abm_parse_number(v) as
    try_cast(regexp_replace(v, '^(usd|eur|gbp)\s*|[\s,$€£]', '', 'gi') as double);

create or replace macro abm_parse_integer(v) as
    case when abm_parse_number(v) = floor(abm_parse_number(v)) then cast(abm_parse_number(v) as bigint) end;

create or replace macro abm_parse_date(v) as coalesce(
    try_cast(v as date),
    cast(try_strptime(v, ['%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M %p', '%Y-%m-%dT%H:%M:%S.%gZ',
                          '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S%z', '%Y/%m/%d']) as date),
    cast(try_cast(v as timestamp) as date)
);

create or replace macro abm_parse_boolean(v) as
    case when lower(v) in ('true', 't', '1', 'yes', 'y') then true
         when lower(v) in ('false', 'f', '0', 'no', 'n') then false end;

create or replace macro abm_parse_text(v) as v;

-- Domains are the join key across sources: drop scheme, user part of emails, www., port, path,
-- query and trailing dots, and lower-case what is left.
create or replace macro abm_normalise_domain(v) as nullif(
    rtrim(
        regexp_replace(
            regexp_replace(
                regexp_replace(regexp_replace(lower(trim(v)), '^[a-z][a-z0-9+.-]*://', ''), '^[^/]*@', ''),
                '[:/?#].*$', ''),
            '^www[0-9]*\.', ''),
        '.'),
    '');
"""

DOMAIN_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS)
