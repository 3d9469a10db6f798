"""Recognise which tool wrote an export from its header, and map its columns to the canonical model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from dagster_project.ingest.schemas import CUSTOM_ATTRIBUTES, SCHEMAS

BUILTIN_MAPPINGS = Path(__file__).with_name("builtin_mappings.yml")

# Options a mapping may set besides its columns, and the values each accepts.
OPTIONS = {
    "number_format": ("us", "eu"),  # for columns whose numbers read both ways (1.200)
    "date_format": ("mdy", "dmy"),  # for columns whose dates read both ways (03/04/2024)
    "salesforce_ids": (True, False),  # 15-character ids become the 18-character form
}
# Spellings that take a column's value from the delivery instead of the file (a weekly intent file
# with no date column is the signal of the week it was delivered).
DERIVED = ("from_export_date", "from_file_name")
# A mapping may add columns of its own under this key ({name: header spelling(s)}): they travel in the
# source's custom_attributes column and ICP discovery weighs each as an attribute of the account.
ATTRIBUTES = "attributes"
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    source: str
    name: str
    accepted: dict[str, tuple[str, ...]]  # canonical column -> accepted header spellings (and DERIVED)
    options: dict[str, object] = field(default_factory=dict)
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # added column -> header spellings


@dataclass(frozen=True)
class Match:
    mapping: Mapping
    columns: dict[str, tuple[str, ...]]  # canonical column -> the headers present, in order of preference
    derived: dict[str, str] = field(default_factory=dict)  # canonical column -> a DERIVED source
    duplicated: dict[str, str] = field(default_factory=dict)  # header the mapping reads -> its duplicate


def normalise_header(header: str) -> str:
    return header.lstrip("\ufeff").strip().lower()


def load_mappings(paths: tuple[Path, ...]) -> dict[str, list[Mapping]]:
    """Mappings by source; a later file's mapping of the same name extends the earlier one
    (a team sets `number_format: eu` on the built-in `hubspot_ui` without repeating its columns)."""
    by_name: dict[tuple[str, str], Mapping] = {}
    for path in paths:
        if not path.exists():
            continue
        document = yaml.safe_load(path.read_text()) or {}
        for source, layouts in document.items():
            if source not in SCHEMAS:
                raise MappingError(f"{path}: unknown source {source!r}; expected one of {sorted(SCHEMAS)}")
            for name, columns in (layouts or {}).items():
                parsed = _parse_mapping(path, source, name, columns or {})
                earlier = by_name.get((source, name))
                if earlier:
                    parsed = Mapping(
                        source,
                        name,
                        {**earlier.accepted, **parsed.accepted},
                        {**earlier.options, **parsed.options},
                        {**earlier.attributes, **parsed.attributes},
                    )
                by_name[(source, name)] = parsed
    mappings: dict[str, list[Mapping]] = {source: [] for source in SCHEMAS}
    for (source, _), mapping in by_name.items():
        mappings[source].append(mapping)
    return mappings


def _parse_mapping(path: Path, source: str, name: str, entries: dict) -> Mapping:
    known = {c.name for c in SCHEMAS[source].columns}
    options = {key: value for key, value in entries.items() if key in OPTIONS}
    columns = {key: value for key, value in entries.items() if key not in OPTIONS and key != ATTRIBUTES}
    attributes = _parse_attributes(path, source, name, entries.get(ATTRIBUTES) or {})
    unknown = sorted(set(columns) - known)
    if unknown:
        raise MappingError(
            f"{path}: mapping {source}.{name} names unknown columns {unknown}; known: {sorted(known)}; options: {sorted(OPTIONS)}"
        )
    for key, value in options.items():
        if value not in OPTIONS[key]:
            raise MappingError(f"{path}: mapping {source}.{name}: {key} is {value!r}; expected one of {list(OPTIONS[key])}")
    return Mapping(source, name, _spellings(columns), options, attributes)


def _spellings(entries: dict) -> dict[str, tuple[str, ...]]:
    return {key: tuple([headers] if isinstance(headers, str) else headers) for key, headers in entries.items()}


def _parse_attributes(path: Path, source: str, name: str, entries: object) -> dict[str, tuple[str, ...]]:
    where = f"{path}: mapping {source}.{name}: {ATTRIBUTES}"
    if not entries:
        return {}
    taking = sorted(schema.name for schema in SCHEMAS.values() if CUSTOM_ATTRIBUTES in {c.name for c in schema.columns})
    if source not in taking:
        raise MappingError(f"{where}: only {taking} take added columns")
    if not isinstance(entries, dict):
        raise MappingError(f"{where} must map attribute names to header spellings, e.g. {{segment: Segment__c}}")
    for attribute in entries:
        if not ATTRIBUTE_NAME.fullmatch(str(attribute)):
            raise MappingError(f"{where}: {attribute!r} is not a usable name (lower-case letters, digits and _, starting with a letter)")
    return _spellings(entries)


@lru_cache(maxsize=8)
def mappings_for(extra_file: Path | None) -> dict[str, list[Mapping]]:
    paths = (BUILTIN_MAPPINGS,) + ((extra_file,) if extra_file else ())
    return load_mappings(paths)


def known_headers(mappings: dict[str, list[Mapping]], sources: list[str]) -> frozenset[str]:
    """Every header spelling the sources' mappings read, normalised: what a header row is made of."""
    return frozenset(
        normalise_header(spelling)
        for source in sources
        for mapping in mappings[source]
        for spellings in (*mapping.accepted.values(), *mapping.attributes.values())
        for spelling in spellings
        if spelling not in DERIVED
    )


def resolve(mapping: Mapping, header: list[str]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Each canonical column's spellings present in the header, in order of preference (JSON Lines
    records may carry `week` in one record and `date` in the next, so several are coalesced), and
    the columns taken from the delivery because the header has none of their spellings."""
    by_normalised = {normalise_header(h): h for h in header}
    resolved, derived = {}, {}
    for canonical, spellings in mapping.accepted.items():
        present = _headers_present(spellings, by_normalised)
        if present:
            resolved[canonical] = present
        elif fallback := next((s for s in spellings if s in DERIVED), None):
            derived[canonical] = fallback
    return resolved, derived


def resolve_attributes(mapping: Mapping, header: list[str]) -> dict[str, tuple[str, ...]]:
    """Each added column the header has, with the spellings present (an export may lack one: it is
    simply not described by it)."""
    by_normalised = {normalise_header(h): h for h in header}
    found = {name: _headers_present(spellings, by_normalised) for name, spellings in mapping.attributes.items()}
    return {name: headers for name, headers in found.items() if headers}


def _headers_present(spellings: tuple[str, ...], by_normalised: dict[str, str]) -> tuple[str, ...]:
    """The header's columns that match any of the spellings, in the spellings' order, each once."""
    return tuple(dict.fromkeys(by_normalised[normalise_header(s)] for s in spellings if normalise_header(s) in by_normalised))


def match_header(source: str, header: list[str], mappings: dict[str, list[Mapping]], file_name: str) -> Match:
    """The mapping that finds every column the source needs and the most columns overall, or a clear error."""
    candidates = rank_mappings(source, header, mappings)
    if not candidates[0].missing:
        best = candidates[0]
        return Match(best.mapping, best.columns, best.derived, _duplicates(best.columns, header))
    closest = candidates[0]
    wanted = ", ".join(f"{'/'.join(closest.mapping.accepted.get(c, (c,)))} ({c})" for c in closest.missing)
    seen = ", ".join(h.lstrip("\ufeff") for h in header)
    raise MappingError(
        f"{file_name}: the header matches no {source} mapping. Columns seen: [{seen}]. "
        f"Closest mapping '{closest.mapping.name}' is missing: {wanted}. "
        f"Add a mapping for this layout in config/column_mappings.yml."
    )


@dataclass(frozen=True)
class Candidate:
    mapping: Mapping
    columns: dict[str, tuple[str, ...]]
    derived: dict[str, str]
    missing: list[str]


def rank_mappings(source: str, header: list[str], mappings: dict[str, list[Mapping]]) -> list[Candidate]:
    """Every mapping of a source against a header, best first: fewest required columns missing, then
    the most columns found."""
    needed = SCHEMAS[source].needed_in_header
    candidates = []
    for mapping in mappings[source]:
        columns, derived = resolve(mapping, header)
        missing = [c for c in needed if c not in columns and c not in derived]
        candidates.append(Candidate(mapping, columns, derived, missing))
    return sorted(candidates, key=lambda c: (len(c.missing), -len(c.columns)))


def _duplicates(columns: dict[str, tuple[str, ...]], header: list[str]) -> dict[str, str]:
    """Headers the mapping reads that the file has twice: the same (readers rename the second `Name`
    to `Name_1`), or two spellings that only case or spaces tell apart (`Website`, `website `)."""
    used = {h for headers in columns.values() for h in headers}
    present = {normalise_header(h): h for h in reversed(header)}  # the first of equal spellings
    found = {}
    for name in header:
        base = re.fullmatch(r"(.+)_(\d+)", name)
        first = present.get(normalise_header(base.group(1))) if base else None
        if first in used:
            found[first] = name
    by_normalised: dict[str, str] = {}
    for name in header:
        twin = by_normalised.setdefault(normalise_header(name), name)
        if twin != name and normalise_header(name) in {normalise_header(h) for h in used}:
            found[twin] = name
    return found
