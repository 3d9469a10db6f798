"""Which number and date convention each column of a file is written in, decided from its values.

Numbers: `us` (1,234,567.89) or `eu` (1.234.567,89; also 1 234 567,89). Dates: `mdy` (3/25/2024) or
`dmy` (25/03/2024, 25.03.2024). ISO dates and plain numbers read the same either way.

Per column, a value that only one convention can read settles it (`1.234,5`, `12,5`, `25/03/2024`).
A column whose values read both ways with different results (`1.200`, `03/04/2024`) follows the rest
of the file (another column's numbers, or for dates a decimal-comma file), then the mapping's hint
(`number_format`, `date_format`); a column that stays ambiguous is an error, never a guess.

The evidence is counted in one SQL query over the file's first rows; the parse then reads every row
in the chosen convention and rejects a value written in the other one, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

PROFILE_ROWS = 100_000

NUMBER_FORMATS = {"us": "1,234,567.89", "eu": "1.234.567,89"}
DATE_FORMATS = {"mdy": "M/D/YYYY", "dmy": "D/M/YYYY"}


class AmbiguousFormat(ValueError):
    """A column whose values read two ways, with nothing in the file or the mapping to decide."""


@dataclass(frozen=True)
class Evidence:
    column: str  # the header the values come from
    kind: str  # number, integer or date
    first: int  # values only the first convention reads (us / mdy)
    second: int  # values only the second convention reads (eu / dmy)
    ambiguous: int  # values both read, differently
    example: str | None  # an ambiguous value, for the message
    dotted: int = 0  # dates written 25.03.2024
    # values not in the column's plain form (a number with separators or symbols, a day/month date):
    # a column without any takes the faster parse
    other_forms: int = 0

    @property
    def family(self) -> str:
        return "date" if self.kind == "date" else "number"


def _profile_columns(kind: str, raw: str) -> list[str]:
    if kind == "date":
        parts = f"abm_date_parts({raw})"
        slash = f"{parts}.separator in ('/', '-')"
        first, second = f"try_cast({parts}.first as integer)", f"try_cast({parts}.second as integer)"
        ambiguous = f"{slash} and {first} <= 12 and {second} <= 12 and {first} <> {second}"
        return [
            f"count_if({slash} and {second} > 12 and {first} <= 12)",
            f"count_if({slash} and {first} > 12 and {second} <= 12)",
            f"count_if({ambiguous})",
            f"any_value({raw}) filter (where {ambiguous})",
            f"count_if({parts}.separator = '.')",
            f"count_if({parts}.year <> '')",
        ]
    us, eu = f"abm_parse_{kind}_us({raw})", f"abm_parse_{kind}_eu({raw})"
    return [
        f"count_if({us} is not null and {eu} is null)",
        f"count_if({eu} is not null and {us} is null)",
        f"count_if({us} <> {eu})",
        f"any_value({raw}) filter (where {us} <> {eu})",
        "0",
        f"count_if({raw} is not null and try_cast({raw} as double) is null)",
    ]


def profile(con: duckdb.DuckDBPyConnection, columns: dict[str, tuple[str, str, str]], source_view: str) -> list[Evidence]:
    """Evidence per column; `columns` maps a key to (header, kind, SQL expression of its text)."""
    if not columns:
        return []
    selects = [expr for _, kind, raw in columns.values() for expr in _profile_columns(kind, raw)]
    row = con.execute(f"select {', '.join(selects)} from (select * from {source_view} limit {PROFILE_ROWS})").fetchone()
    evidence = []
    width = len(selects) // len(columns)
    for position, (header, kind, _) in enumerate(columns.values()):
        first, second, ambiguous, example, dotted, other = row[width * position : width * (position + 1)]
        evidence.append(Evidence(header, kind, first or 0, second or 0, ambiguous or 0, example, dotted or 0, other or 0))
    return evidence


def parser(kind: str, convention: str, evidence: Evidence | None) -> str:
    """The macro that reads a column: in its convention, and the faster one when the first rows were
    all plain numbers or ISO dates (the others still parse, through the full macro)."""
    plain = evidence is not None and evidence.other_forms == 0
    if kind == "date":
        return f"abm_parse_date_mostly_iso_{convention}" if plain else f"abm_parse_date_{convention}"
    return f"abm_parse_{kind}_mostly_plain" if plain and convention == "us" else f"abm_parse_{kind}_{convention}"


def decide(evidence: list[Evidence], hints: dict[str, str], mapping_name: str) -> list[str]:
    """The convention of each column, in the order of `evidence` (us/eu for numbers, mdy/dmy for dates)."""
    own = [_by_own_values(item) for item in evidence]
    file_numbers = _file_wide([c for item, c in zip(evidence, own, strict=True) if item.family == "number"])
    file_dates = _file_wide([c for item, c in zip(evidence, own, strict=True) if item.family == "date"])
    if file_dates is None and (file_numbers == "eu" or any(item.dotted for item in evidence)):
        file_dates = "dmy"  # decimal-comma locales and dotted dates write the day first
    decided = []
    for item, choice in zip(evidence, own, strict=True):
        file_wide, hint_key = (file_dates, "date_format") if item.family == "date" else (file_numbers, "number_format")
        choice = choice or file_wide or hints.get(hint_key)
        if choice is None and item.ambiguous:
            raise AmbiguousFormat(_ambiguity_message(item, hint_key, mapping_name))
        decided.append(choice or ("mdy" if item.family == "date" else "us"))
    return decided


def _by_own_values(item: Evidence) -> str | None:
    first, second = ("mdy", "dmy") if item.family == "date" else ("us", "eu")
    if item.first or item.second:
        return first if item.first >= item.second else second
    if item.family == "date" and item.dotted:
        return "dmy"
    return None


def _file_wide(choices: list[str | None]) -> str | None:
    settled = {c for c in choices if c}
    return settled.pop() if len(settled) == 1 else None


def _ambiguity_message(item: Evidence, hint_key: str, mapping_name: str) -> str:
    if item.family == "date":
        readings = "month first (M/D/YYYY) or day first (D/M/YYYY)"
        options = "mdy or dmy"
    else:
        readings = "with ',' grouping and '.' decimals (1,234.5) or '.' grouping and ',' decimals (1.234,5)"
        options = "us or eu"
    return (
        f"column {item.column}: {item.ambiguous} values such as {item.example!r} read both {readings}, "
        f"and nothing else in the file decides which; set {hint_key}: {options} on mapping {mapping_name!r} "
        "in config/column_mappings.yml"
    )


def label(kind: str, convention: str) -> str:
    """How a convention is named in messages."""
    return DATE_FORMATS[convention] if kind == "date" else NUMBER_FORMATS[convention]
