"""Which export a blocked move most likely comes from: the delivery a date was scored on, against the
one before it, column by column (rows, and how many leave each mapped column empty)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from dagster_project.ingest.loader import loaded_export_dates, manifest_path, partition_dir
from dagster_project.settings import Paths
from dagster_project.vocabulary import spelling_key

# Where each kind of move starts: the snapshot whose columns feed it.
SOURCE_OF_MOVE = {
    "tier_changes": "crm_accounts",
    "demotions": "crm_accounts",
    "firmographic_changes": "crm_accounts",
    "accounts_lost": "crm_accounts",
    "contacts_moved": "crm_contacts",
    "tier_1_reach_lost": "crm_contacts",
}
# A column whose share of empty (or, for flags, true) values grew by this much is named: a blanked
# or renamed column, a flag set on every row.
CHANGED_BY = 0.2
# An export with this share of the rows of the one before is named (a half delivery).
SHRUNK_TO = 0.8


def likely_causes(locations: Paths, moves) -> list[str]:
    """One line per export that changed in a way that explains the moves (rows columns named)."""
    pairs = {(SOURCE_OF_MOVE[row.move], row.as_of_date.date()) for row in moves.itertuples() if row.move in SOURCE_OF_MOVE}
    return [cause for source, day in sorted(pairs) for cause in export_changes(locations, source, day)]


def export_changes(locations: Paths, source: str, day: dt.date) -> list[str]:
    exports = loaded_export_dates(locations, source, day)
    if len(exports) < 2 or exports[-1] != day:
        return []
    current, previous = exports[-1], exports[-2]
    now, before = _profile(locations, source, current), _profile(locations, source, previous)
    where = f"{source} export {current} (against {previous})"
    causes = []
    if now["rows"] < SHRUNK_TO * before["rows"]:
        causes.append(f"{where}: {now['rows']:,} rows, was {before['rows']:,} (half delivered?)")
    headers = export_headers(locations, source, current)
    for measure, said in (("empty", "empty"), ("true", "true")):
        for column, share in now[measure].items():
            was = before[measure].get(column, 0.0)
            if share - was >= CHANGED_BY:
                causes.append(f"{where}: column {headers.get(column, column)} ({column}) {said} on {share:.0%} of rows, was {was:.0%}")
    return causes


def _profile(locations: Paths, source: str, day: dt.date) -> dict:
    files = f"{partition_dir(locations.raw, source, day)}/*.parquet"
    with duckdb.connect() as con:
        described = con.execute(f"describe select * from read_parquet('{files}', union_by_name = true)").fetchall()
        mapped = [name for (name, *_) in described if not name.startswith("_")]
        flags = [name for (name, kind, *_) in described if kind == "BOOLEAN"]
        shares = [f'avg(case when "{name}" is null then 1.0 else 0.0 end)' for name in mapped]
        shares += [f'coalesce(avg(case when "{name}" then 1.0 else 0.0 end), 0)' for name in flags]
        row = con.execute(f"select count(*), {', '.join(shares)} from read_parquet('{files}', union_by_name = true)").fetchone()
    empty, true = row[1 : 1 + len(mapped)], row[1 + len(mapped) :]
    return {"rows": row[0], "empty": dict(zip(mapped, empty, strict=True)), "true": dict(zip(flags, true, strict=True))}


def export_headers(locations: Paths, source: str, day: dt.date) -> dict[str, str]:
    """The export's own header of each canonical column, as the loader recorded it."""
    try:
        files = json.loads(manifest_path(locations, source, day).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return {}
    return {column: header for file in files for column, header in (file.get("headers") or {}).items()}


def content_explanation(source: str, folder, outcome, headers: dict[str, str], vocabularies: dict[str, set[str]]) -> str | None:
    """In words, when content expectations fail: what each failing column holds instead, by the
    known values of the other columns ("column Industry holds country values (97 % match
    BillingCountry's values); were the headers Industry and BillingCountry swapped?")."""
    failing = {o.column for o in outcome.failures if o.column in vocabularies and o.expectation.endswith("_in_set")}
    if not failing:
        return None
    holds = {column: _best_match(folder, column, vocabularies) for column in sorted(failing)}
    said, swapped = [], set()
    for column, (other, share) in holds.items():
        if other is None:
            continue
        said.append(f"column {headers.get(column, column)} holds {other} values ({share:.0%} match {headers.get(other, other)}'s values)")
        if holds.get(other, (None, 0))[0] == column:
            swapped.add(tuple(sorted((headers.get(column, column), headers.get(other, other)))))
    if not said:
        return None
    question = "; ".join(f"were the headers {a} and {b} swapped?" for a, b in sorted(swapped))
    return f"{source}: " + "; ".join(said) + (f"; {question}" if question else "")


def _best_match(folder, column: str, vocabularies: dict[str, set[str]]) -> tuple[str | None, float]:
    """The other column whose known values the column's values match most (half of them at least)."""
    with duckdb.connect() as con:
        query = f"""select "{column}" from read_parquet('{folder}/*.parquet', union_by_name = true)
                    where "{column}" is not null limit 100000"""
        values = [value for (value,) in con.execute(query).fetchall()]
    if not values:
        return None, 0.0
    shares = {
        other: sum(spelling_key(str(v)) in known for v in values) / len(values) for other, known in vocabularies.items() if other != column
    }
    other = max(shares, key=shares.get, default=None)
    return (other, shares[other]) if other and shares[other] >= 0.5 else (None, 0.0)
