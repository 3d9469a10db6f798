"""Recognise which tool wrote an export from its header, and map its columns to the canonical model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from dagster_project.ingest.schemas import SCHEMAS

BUILTIN_MAPPINGS = Path(__file__).with_name("builtin_mappings.yml")


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    source: str
    name: str
    accepted: dict[str, tuple[str, ...]]  # canonical column -> accepted header spellings


@dataclass(frozen=True)
class Match:
    mapping: Mapping
    columns: dict[str, tuple[str, ...]]  # canonical column -> the headers present, in order of preference


def _normalise_header(header: str) -> str:
    return header.lstrip("\ufeff").strip().lower()


def load_mappings(paths: tuple[Path, ...]) -> dict[str, list[Mapping]]:
    mappings: dict[str, list[Mapping]] = {source: [] for source in SCHEMAS}
    for path in paths:
        if not path.exists():
            continue
        document = yaml.safe_load(path.read_text()) or {}
        for source, layouts in document.items():
            if source not in SCHEMAS:
                raise MappingError(f"{path}: unknown source {source!r}; expected one of {sorted(SCHEMAS)}")
            for name, columns in (layouts or {}).items():
                mappings[source].append(_parse_mapping(path, source, name, columns))
    return mappings


def _parse_mapping(path: Path, source: str, name: str, columns: dict) -> Mapping:
    known = {c.name for c in SCHEMAS[source].columns}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise MappingError(f"{path}: mapping {source}.{name} names unknown columns {unknown}; known: {sorted(known)}")
    accepted = {
        canonical: tuple([headers] if isinstance(headers, str) else headers)
        for canonical, headers in columns.items()
    }
    return Mapping(source, name, accepted)


@lru_cache(maxsize=8)
def mappings_for(extra_file: Path | None) -> dict[str, list[Mapping]]:
    paths = (BUILTIN_MAPPINGS,) + ((extra_file,) if extra_file else ())
    return load_mappings(paths)


def resolve(mapping: Mapping, header: list[str]) -> dict[str, tuple[str, ...]]:
    """Each canonical column's spellings present in the header; several are coalesced in order
    (JSON Lines records may carry `week` in one record and `date` in the next)."""
    by_normalised = {_normalise_header(h): h for h in header}
    resolved = {}
    for canonical, spellings in mapping.accepted.items():
        present = tuple(dict.fromkeys(by_normalised[_normalise_header(s)] for s in spellings if _normalise_header(s) in by_normalised))
        if present:
            resolved[canonical] = present
    return resolved


def match_header(source: str, header: list[str], mappings: dict[str, list[Mapping]], file_name: str) -> Match:
    """The mapping that finds every required column and the most columns overall, or a clear error."""
    required = SCHEMAS[source].required
    candidates = []
    for mapping in mappings[source]:
        resolved = resolve(mapping, header)
        missing = [c for c in required if c not in resolved]
        candidates.append((len(missing), -len(resolved), mapping, resolved, missing))
    complete = [c for c in candidates if c[0] == 0]
    if complete:
        _, _, mapping, resolved, _ = min(complete, key=lambda c: c[1])
        return Match(mapping, resolved)
    _, _, closest, _, missing = min(candidates, key=lambda c: (c[0], c[1]))
    wanted = ", ".join(f"{'/'.join(closest.accepted.get(c, (c,)))} ({c})" for c in missing)
    seen = ", ".join(h.lstrip("\ufeff") for h in header)
    raise MappingError(
        f"{file_name}: the header matches no {source} mapping. Columns seen: [{seen}]. "
        f"Closest mapping '{closest.name}' is missing: {wanted}. "
        f"Add a mapping for this layout in config/column_mappings.yml."
    )
