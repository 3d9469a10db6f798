"""Compare the published tables of two serving files, for refactors that must not change behaviour.

    python bench/compare_published.py BEFORE/serving.duckdb AFTER/serving.duckdb

Prints, per table, the rows only in one of the two (columns both have); tables and columns only one
has are listed. Exit status 1 when any row differs. A scenario to run on each side: `abm generate
--accounts 3000 --days 21 --seed 42 --end 2026-11-20`, `abm run --date 2026-11-20`, `abm backfill
--start 2026-11-10 --end 2026-11-19 --accept-change baseline`.
"""

from __future__ import annotations

import sys

import duckdb


def columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    query = "select column_name from duckdb_columns() where database_name = ? and table_name = ? order by column_index"
    return [name for (name,) in con.execute(query, [database, table]).fetchall()]


def tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    return {name for (name,) in con.execute("select table_name from duckdb_tables() where database_name = ?", [database]).fetchall()}


def main(before: str, after: str) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before (read_only)")
    con.execute(f"attach '{after}' as after (read_only)")
    old, new = tables(con, "before"), tables(con, "after")
    print(f"tables only before: {sorted(old - new)}; only after: {sorted(new - old)}")
    differing = 0
    for table in sorted(old & new):
        shared = [c for c in columns(con, "before", table) if c in columns(con, "after", table)]
        listed = ", ".join(f'"{c}"' for c in shared)
        counts = [
            con.execute(f"select count(*) from (select {listed} from {a}.{table} except all select {listed} from {b}.{table})").fetchone()[
                0
            ]
            for a, b in (("before", "after"), ("after", "before"))
        ]
        extra = sorted(set(columns(con, "after", table)) - set(shared))
        print(f"{table:<26} rows only before {counts[0]:>6}, only after {counts[1]:>6}" + (f"; new columns {extra}" if extra else ""))
        differing += sum(counts)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
