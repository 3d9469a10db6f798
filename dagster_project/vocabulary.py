"""Known values of a few columns, for checks that need no history: which spellings are countries.

The country spellings are the dbt seed staging turns countries into ISO codes with, so the raw
suite and the scores agree on what a country is.
"""

from __future__ import annotations

import csv
import difflib
from functools import lru_cache

from dagster_project.settings import DBT_PROJECT_DIR

COUNTRY_SPELLINGS = DBT_PROJECT_DIR / "seeds" / "country_spellings.csv"


@lru_cache(maxsize=1)
def country_codes_by_spelling() -> dict[str, str]:
    with open(COUNTRY_SPELLINGS, newline="", encoding="utf-8") as handle:
        return {row["spelling"]: row["country_code"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def iso_country_codes() -> frozenset[str]:
    return frozenset(country_codes_by_spelling().values())


def values_seen(raw_folder, column: str) -> set[str]:
    """The distinct values of a column in a loaded export's Parquet files."""
    import duckdb

    files = f"{raw_folder}/*.parquet"
    with duckdb.connect() as con:
        query = f'select distinct "{column}" from read_parquet(\'{files}\', union_by_name = true) where "{column}" is not null'
        return {value for (value,) in con.execute(query).fetchall()}


def spelling_key(value: str) -> str:
    """How a country is looked up: lower-case, trimmed, without apostrophes (as staging does)."""
    return value.strip().lower().replace("'", "")


def country_value_set() -> list[str]:
    """Every spelling as an export may write it: lower, upper and title case (GX compares exactly)."""
    spellings = country_codes_by_spelling()
    return sorted({form for spelling in spellings for form in (spelling, spelling.upper(), spelling.title())})


def closest(value: str, known: list[str] | frozenset[str], cutoff: float = 0.6) -> str | None:
    """The known value a typo most likely meant, for a "did you mean"."""
    found = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
    return found[0] if found else None


def suggested_country_code(value: str) -> str | None:
    """The ISO code a country list entry means: RUS or Russia for RU, else the closest code."""
    spellings = country_codes_by_spelling()
    spelling = spelling_key(value)
    near = spelling if spelling in spellings else closest(spelling, list(spellings))
    return spellings[near] if near else None
