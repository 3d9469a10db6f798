"""`abm inspect PATH`: how a file or an export folder would load, without loading anything.

For each file: which source and mapping its header matches and why not the others, the header each
canonical column comes from, the number and date conventions inferred, five parsed sample values,
how many rows would be rejected and the first reasons, and the report footer lines it would skip.
Contact names and e-mail addresses are masked in the samples.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb

from dagster_project.ingest.formats import label
from dagster_project.ingest.loader import ExportRejected, FilePlan, FileResult, export_files, parse_query, plan_file
from dagster_project.ingest.mappings import known_headers, mappings_for, rank_mappings
from dagster_project.ingest.parsing import install_macros
from dagster_project.ingest.reading import UnreadableFile, malformed_lines, open_source
from dagster_project.ingest.schemas import SCHEMAS
from dagster_project.privacy import CONTACT_COLUMNS, mask_contact_value

SAMPLES = 5


def inspect_path(path: Path, mappings_file: Path | None) -> str:
    files = export_files(path) if path.is_dir() else [path]
    if not files:
        return f"{path}: no files to inspect"
    source_hint = _source_from_location(path)
    export_date = _date_from_location(path)
    return "\n\n".join(_inspect_file(file, source_hint, export_date, mappings_file) for file in files)


def _source_from_location(path: Path) -> str | None:
    for part in reversed(path.resolve().parts):
        if part in SCHEMAS:
            return part
    return None


def _date_from_location(path: Path) -> dt.date:
    for part in reversed(path.resolve().parts):
        try:
            return dt.date.fromisoformat(part)
        except ValueError:
            continue
    return dt.date.today()


def _inspect_file(path: Path, source_hint: str | None, export_date: dt.date, mappings_file: Path | None) -> str:
    lines = [f"{path}"]
    mappings = mappings_for(mappings_file)
    with tempfile.TemporaryDirectory() as scratch, duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        install_macros(con)
        sources = [source_hint] if source_hint else list(SCHEMAS)
        try:
            source = open_source(con, path, Path(scratch), known_headers(mappings, sources))
        except UnreadableFile as error:
            return f"{path}\n  cannot be read: {error}"
        lines.append(f"  format: {source.kind}" + (f", encoding {source.encoding}" if source.kind == "csv" else ""))
        ranked = sorted(
            ((name, candidate) for name in sources for candidate in rank_mappings(name, source.header, mappings)),
            key=lambda item: (len(item[1].missing), -len(item[1].columns)),
        )
        lines.append("  mappings:")
        for name, candidate in ranked[:6]:
            verdict = (
                f"matches ({len(candidate.columns) + len(candidate.derived)} columns)"
                if not candidate.missing
                else "missing " + ", ".join(f"{'/'.join(candidate.mapping.accepted.get(c, (c,)))} ({c})" for c in candidate.missing)
            )
            lines.append(f"    {name}/{candidate.mapping.name}: {verdict}")
        chosen_source = ranked[0][0]
        schema = SCHEMAS[chosen_source]
        try:
            plan = plan_file(con, schema, mappings[chosen_source], source, export_date)
        except ExportRejected as error:
            lines.append(f"  would be rejected: {error}")
            return "\n".join(lines)
        lines.append(f"  loads as {chosen_source} with mapping '{plan.match.mapping.name}'")
        lines.extend(_column_lines(con, schema, plan, export_date))
        lines.extend(_reject_lines(con, schema, plan, export_date))
    return "\n".join(lines)


def _column_lines(con, schema, plan: FilePlan, export_date: dt.date) -> list[str]:
    con.execute(f"create or replace temp view inspected as {parse_query(schema, plan, export_date)}")
    lines = ["  columns:"]
    for column in schema.columns:
        header = plan.headers.get(column.name)
        if header is None:
            continue
        read_as = _read_as(column.type, plan.conventions.get(column.name), plan.evidence.get(column.name))
        samples = [
            str(v)
            for (v,) in con.execute(
                f'select distinct "{column.name}" from (select * from inspected limit 1000) '
                f'where "{column.name}" is not null limit {SAMPLES}'
            ).fetchall()
        ]
        if column.name in CONTACT_COLUMNS:
            samples = [mask_contact_value(v) for v in samples]
        lines.append(f"    {column.name} <- {header!r} ({column.type}{read_as}): {', '.join(samples) or '(empty)'}")
    return lines


def _read_as(kind: str, convention: str | None, evidence) -> str:
    if convention is None:
        return ""
    if kind == "date" and evidence is not None and evidence.other_forms == 0:
        return ", read as ISO dates"
    return f", read as {label('date' if kind == 'date' else 'number', convention)}"


def _reject_lines(con, schema, plan: FilePlan, export_date: dt.date) -> list[str]:
    rows, rejected, blank, totals = con.execute(
        "select count_if(_skipped is null), count(_reject_reason), count_if(_skipped = 'blank'), count_if(_skipped = 'total') "
        "from inspected"
    ).fetchone()
    malformed = malformed_lines(con, plan.source)
    lines = [f"  rows: {(rows or 0) + len(malformed)}, would be rejected: {(rejected or 0) + len(malformed)}"]
    if plan.source.delimiter:
        lines.insert(0, f"  delimiter: {plan.source.delimiter!r}")
    reasons = con.execute("select _reject_reason from inspected where _reject_reason is not null limit 3").fetchall()
    lines += [f"    {reason}" for (reason,) in reasons]
    lines += [f"    line {line}: {why}" for line, why, _ in malformed[:3]]
    around = FileResult(
        plan.source.path.name,
        plan.match.mapping.name,
        0,
        0,
        footer_lines=len(plan.source.footer_line_numbers) or len(plan.source.footer),
        title_lines=plan.source.title_lines,
        blank_lines=blank or 0,
        total_rows=totals or 0,
    )
    if around.skipped:
        lines.append(f"  skipped {around.skipped}")
    if plan.source.footer:
        lines.append(f"  footer skipped: {' | '.join(plan.source.footer)}")
    if plan.source.dropped_columns:
        lines.append(f"  empty leading columns left out: {len(plan.source.dropped_columns)}")
    return lines
