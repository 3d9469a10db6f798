"""Load one export folder (landing/<source>/<date>/) into the canonical raw layer, all or nothing.

Every file is read by DuckDB's own readers, mapped by its header, parsed strictly and written as
Parquet into a scratch folder; only when every file of the export passes is the scratch folder
renamed over raw/<source>/export_date=<date>/. A failed export leaves the raw layer as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from dagster_project.faults import pause_point
from dagster_project.ingest.formats import AmbiguousFormat, Evidence, decide, label, parser, profile
from dagster_project.ingest.mappings import Mapping, MappingError, Match, known_headers, mappings_for, match_header, resolve_attributes
from dagster_project.ingest.parsing import install_macros
from dagster_project.ingest.quarantine import quarantined
from dagster_project.ingest.reading import (
    VIEW,
    EmptyFile,
    SourceFile,
    UnreadableFile,
    csv_error_cause,
    first_line,
    is_encoding_error,
    malformed_lines,
    open_source,
    sql_string,
    text_encoding,
)
from dagster_project.ingest.schemas import CUSTOM_ATTRIBUTE_SEPARATOR, CUSTOM_ATTRIBUTES, SCHEMAS, Column, SourceSchema
from dagster_project.scratch import in_memory_duckdb
from dagster_project.settings import Paths

DEFAULT_MAX_REJECT_SHARE = 0.05
# A column in a source's contract (an account's website, a contact's email) may be empty on some rows,
# not on most: a relabelled or shifted column loads every row without it.
DEFAULT_MAX_EMPTY_SHARE = 0.5


class ExportRejected(Exception):
    """An export that must not be loaded; the message names the file and the problem."""


@dataclass
class FileResult:
    file: str
    mapping: str
    rows: int
    rejects: int
    footer_lines: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> the file's header
    title_lines: int = 0  # a report's title and filter lines above the header
    blank_lines: int = 0  # rows with every cell empty (a spreadsheet's trailing ",,,,")
    total_rows: int = 0  # a report's total and subtotal rows

    @property
    def skipped(self) -> str:
        """What was skipped around the data, in words ("6 title lines, 1 totals row, 3 footer lines")."""
        counts = (
            (self.title_lines, "title line"),
            (self.blank_lines, "blank line"),
            (self.total_rows, "totals row"),
            (self.footer_lines, "footer line"),
        )
        return ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counts if n)


@dataclass
class ExportResult:
    source: str
    export_date: str
    fingerprint: str
    files: list[FileResult] = field(default_factory=list)
    skipped: bool = False

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejects(self) -> int:
        return sum(f.rejects for f in self.files)


def max_reject_share() -> float:
    return float(os.environ.get("ABM_MAX_REJECT_SHARE", DEFAULT_MAX_REJECT_SHARE))


def max_empty_share() -> float:
    return float(os.environ.get("ABM_MAX_EMPTY_SHARE", DEFAULT_MAX_EMPTY_SHARE))


def export_dates(paths: Paths, source: str, up_to: dt.date = dt.date.max) -> list[dt.date]:
    """Export folders that landed for a source, oldest first, up to and including a date; a
    quarantined export is not listed."""
    aside = quarantined(paths, source)
    return [day for day in _dated_folders(paths.landing / source, "", up_to) if day not in aside]


def loaded_export_dates(paths: Paths, source: str, up_to: dt.date = dt.date.max) -> list[dt.date]:
    """Exports of a source loaded into raw/, oldest first, up to and including a date."""
    return [
        day
        for day in _dated_folders(paths.raw / source, "export_date=", up_to)
        if any(partition_dir(paths.raw, source, day).glob("*.parquet"))
    ]


def loaded_sources(paths: Paths, up_to: dt.date) -> list[str]:
    """The sources with an export loaded on or before a date."""
    return [name for name in SCHEMAS if loaded_export_dates(paths, name, up_to)]


def first_export_date(paths: Paths) -> dt.date | None:
    """The oldest export of any source, landed or loaded."""
    firsts = [days[0] for name in SCHEMAS for days in (export_dates(paths, name), loaded_export_dates(paths, name)) if days]
    return min(firsts, default=None)


def missing_sources(paths: Paths, as_of: dt.date) -> dict[str, str]:
    """Optional sources with no loaded export up to the date, and what the tiers lack without them."""
    return {
        name: schema.when_missing
        for name, schema in SCHEMAS.items()
        if not schema.required_for_scoring and not loaded_export_dates(paths, name, as_of)
    }


# Export folders are named by their date, ISO style; anything else is refused, never guessed.
EXPORT_FOLDER_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dated_folders(root: Path, prefix: str, up_to: dt.date) -> list[dt.date]:
    found = []
    for child in root.iterdir() if root.is_dir() else ():
        name = child.name.removeprefix(prefix)
        if not child.name.startswith(prefix) or not EXPORT_FOLDER_NAME.fullmatch(name) or not child.is_dir():
            continue
        try:
            day = dt.date.fromisoformat(name)
        except ValueError:
            continue
        if day <= up_to:
            found.append(day)
    return sorted(found)


def misnamed_export_folders(paths: Paths, source: str) -> list[str]:
    """Folders in landing/<source>/ whose name is not an export date (20261206, 2026-W49-7, 2026-02-30),
    each with what it should be called when that is clear."""
    root = paths.landing / source
    found = []
    for child in sorted(root.iterdir()) if root.is_dir() else ():
        if not child.is_dir() or child.name.startswith(".") or _is_export_date(child.name):
            continue
        meant = _date_meant(child.name)
        found.append(f"{child}" + (f" (rename it {meant.isoformat()})" if meant else ""))
    return found


def _is_export_date(name: str) -> bool:
    try:
        return bool(EXPORT_FOLDER_NAME.fullmatch(name)) and bool(dt.date.fromisoformat(name))
    except ValueError:
        return False


def _date_meant(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name)  # Python reads 20261206 and 2026-W49-7 too
    except ValueError:
        return None


def refuse_misnamed_folders(paths: Paths, sources) -> None:
    misnamed = [folder for source in sources for folder in misnamed_export_folders(paths, source)]
    if misnamed:
        raise ExportRejected(
            f"export folders are named by their date as YYYY-MM-DD (landing/<source>/2026-12-06/); not read: {'; '.join(misnamed)}"
        )


def export_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith("."))


def _refuse_links(paths: Paths, folder: Path) -> None:
    """Exports are regular files inside the landing tree: a link (symbolic or hard) could be any file
    on the machine (a secrets file), so it is named and never opened."""
    landing = paths.landing.resolve()
    if not folder.resolve().is_relative_to(landing):
        raise ExportRejected(f"{folder}: lies outside the landing folder {landing} (a link?); not read")
    links = sorted(p.name for p in folder.iterdir() if p.is_symlink())
    if links:
        raise ExportRejected(
            f"{folder}: {', '.join(links)} {'is a symbolic link' if len(links) == 1 else 'are symbolic links'}; "
            "exports must be regular files in the landing folder (not read)"
        )
    hard = sorted(p.name for p in folder.iterdir() if p.is_file() and p.stat().st_nlink > 1 and not p.name.startswith("."))
    if hard:
        raise ExportRejected(
            f"{folder}: {', '.join(hard)} {'has' if len(hard) == 1 else 'have'} other names on the disk (a hard link); "
            "exports must be files of their own: copy them into the landing folder (not read)"
        )


def fingerprint(files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def manifest_path(paths: Paths, source: str, export_date: dt.date) -> Path:
    return paths.raw / "_loads" / source / f"{export_date.isoformat()}.json"


def partition_dir(root: Path, source: str, export_date: dt.date) -> Path:
    return root / source / f"export_date={export_date.isoformat()}"


def load_export(
    paths: Paths,
    source: str,
    export_date: dt.date,
    mappings_file: Path | None,
    force: bool = False,
    database: duckdb.DuckDBPyConnection | None = None,
) -> ExportResult:
    """Load one export folder into raw/ (unless it is loaded and unchanged); `database` is an
    ingest_database() to work in, shared by loads that run side by side."""
    folder = paths.landing / source / export_date.isoformat()
    _refuse_links(paths, folder)
    files = export_files(folder)
    if not files:
        raise ExportRejected(f"{folder}: the export folder holds no files")
    mappings = mappings_for(mappings_file)
    print_ = fingerprint(files, extra=_mappings_signature(mappings_file))
    manifest = manifest_path(paths, source, export_date)
    target = partition_dir(paths.raw, source, export_date)
    if not force and target.exists() and manifest.exists() and json.loads(manifest.read_text()).get("fingerprint") == print_:
        return ExportResult(source, export_date.isoformat(), print_, skipped=True)

    _remove_scratch_of_interrupted_loads(paths, source, export_date)
    scratch = paths.raw / ".scratch" / f"{source}-{export_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    (scratch / "rows").mkdir(parents=True)
    (scratch / "rejects").mkdir(parents=True)
    result = ExportResult(source, export_date.isoformat(), print_)
    try:
        with _connection(database) as con:
            for index, path in enumerate(files):
                result.files.append(_load_file(con, SCHEMAS[source], mappings[source], path, export_date, scratch, index))
        pause_point("ingest")
        _swap_into_place(scratch / "rows", target)
        _swap_into_place(scratch / "rejects", partition_dir(paths.rejects, source, export_date))
        manifest.parent.mkdir(parents=True, exist_ok=True)
        tmp_manifest = manifest.with_suffix(".tmp")
        tmp_manifest.write_text(json.dumps({**asdict(result), "loaded_at": dt.datetime.now(dt.UTC).isoformat()}))
        tmp_manifest.replace(manifest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


@contextlib.contextmanager
def ingest_database() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with the parsing macros, under one memory limit for every load in it."""
    with in_memory_duckdb() as con:
        install_macros(con)
        yield con


@contextlib.contextmanager
def _connection(database: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of a load's own (its temp views are its own): a cursor of the shared database, or
    a database of its own."""
    with contextlib.ExitStack() as stack:
        con = (database or stack.enter_context(ingest_database())).cursor()
        stack.callback(con.close)
        con.execute("set enable_progress_bar = false")
        yield con


def _remove_scratch_of_interrupted_loads(paths: Paths, source: str, export_date: dt.date) -> None:
    for leftover in (paths.raw / ".scratch").glob(f"{source}-{export_date.isoformat()}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _mappings_signature(mappings_file: Path | None) -> str:
    if mappings_file and mappings_file.exists():
        return mappings_file.read_text()
    return ""


def _swap_into_place(new: Path, target: Path) -> None:
    """Replace target with new by renames; a crash in between leaves the old copy in .trash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    trash = target.parent.parent / ".trash" / f"{target.parent.name}-{target.name}-{uuid.uuid4().hex[:8]}"
    if target.exists():
        trash.parent.mkdir(parents=True, exist_ok=True)
        target.rename(trash)
    new.rename(target)
    shutil.rmtree(trash, ignore_errors=True)


@dataclass
class FilePlan:
    """How one file is read: its mapping, the text each canonical column comes from, and how it parses."""

    source: SourceFile
    match: Match
    raw_text: dict[str, str]  # canonical column -> SQL expression of its text
    conventions: dict[str, str] = field(default_factory=dict)  # canonical column -> us/eu or mdy/dmy
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> the header it is read from
    evidence: dict[str, Evidence] = field(default_factory=dict)  # canonical column -> what its first rows showed


def plan_file(
    con: duckdb.DuckDBPyConnection, schema: SourceSchema, mappings: list[Mapping], source: SourceFile, export_date: dt.date
) -> FilePlan:
    """Match the header to a mapping and decide each typed column's number or date convention."""
    path = source.path
    try:
        match = match_header(schema.name, source.header, {schema.name: mappings}, str(path))
    except MappingError as error:
        raise ExportRejected(str(error)) from error
    if match.duplicated:
        pairs = "; ".join(f"{base!r} and {copy!r}" for base, copy in match.duplicated.items())
        raise ExportRejected(f"{path}: the header has a column it needs twice ({pairs}); keep one and re-export")
    raw_text, headers = {}, {}
    for column in schema.columns:
        if column.name in match.columns:
            found = match.columns[column.name]
            raw_text[column.name] = "coalesce(" + ", ".join(_text_of(h, source.json_columns) for h in found) + ")"
            headers[column.name] = found[0]
        elif column.name in match.derived:
            raw_text[column.name] = sql_string(_derived_value(match.derived[column.name], path, export_date))
            headers[column.name] = match.derived[column.name]
        else:
            raw_text[column.name] = "cast(null as varchar)"
    if CUSTOM_ATTRIBUTES in raw_text:
        raw_text[CUSTOM_ATTRIBUTES] = _custom_attributes_text(resolve_attributes(match.mapping, source.header), source.json_columns)
    typed = {
        c.name: (headers[c.name], c.type, raw_text[c.name])
        for c in schema.columns
        if c.type in ("integer", "number", "date") and c.name in match.columns
    }
    try:
        evidence = profile(con, typed, VIEW)
        conventions = decide(evidence, match.mapping.options, match.mapping.name)
    except AmbiguousFormat as error:
        raise ExportRejected(f"{path}: {error}") from error
    except duckdb.Error as error:
        raise ExportRejected(f"{path}: cannot be read: {first_line(error)}") from error
    return FilePlan(source, match, raw_text, dict(zip(typed, conventions, strict=True)), headers, dict(zip(typed, evidence, strict=True)))


def _custom_attributes_text(found: dict[str, tuple[str, ...]], json_columns: set[str]) -> str:
    """The added columns of one row as 'name=value' entries (empty values left out)."""
    entries = []
    for name, headers in found.items():
        value = "coalesce(" + ", ".join(_text_of(h, json_columns) for h in headers) + ")"
        entries.append(f"case when {value} is not null then {sql_string(name + '=')} || {value} end")
    if not entries:
        return "cast(null as varchar)"
    return f"nullif(concat_ws({sql_string(CUSTOM_ATTRIBUTE_SEPARATOR)}, {', '.join(entries)}), '')"


def _derived_value(kind: str, path: Path, export_date: dt.date) -> str:
    if kind == "from_export_date":
        return export_date.isoformat()
    found = re.search(r"(20\d\d)-?(\d\d)-?(\d\d)", path.name)
    if not found:
        raise ExportRejected(f"{path}: the mapping takes the date from the file name, but the name holds no YYYY-MM-DD date")
    return "-".join(found.groups())


def _ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _load_file(
    con: duckdb.DuckDBPyConnection,
    schema: SourceSchema,
    mappings: list[Mapping],
    path: Path,
    export_date: dt.date,
    scratch: Path,
    index: int,
    encoding: str | None = None,
) -> FileResult:
    """One file of an export parsed into the scratch folder; `encoding` overrides the one sniffed."""
    try:
        source = open_source(con, path, scratch, known_headers({schema.name: mappings}, [schema.name]), encoding)
    except EmptyFile as error:
        if schema.events:  # a quiet day: no events, not a broken delivery
            return FileResult(path.name, "(empty file)", 0, 0)
        raise ExportRejected(f"{path}: cannot be read: {error}") from error
    except UnreadableFile as error:
        raise ExportRejected(f"{path}: cannot be read: {error}") from error
    plan = plan_file(con, schema, mappings, source, export_date)
    stem = f"{index:03d}-{_safe_stem(path.name)}"
    parsed_file = sql_string(str(scratch / f"{stem}.parsed.parquet"))
    try:
        con.execute(f"copy ({parse_query(schema, plan, export_date)}) to {parsed_file} (format parquet)")
    except duckdb.Error as error:
        raise ExportRejected(f"{path}: cannot be read: {csv_error_cause(error)}") from error
    # Rows keep the reader's order on the way in, so the position in the parsed file is the data row's
    # number in the export. Numbering them here costs nothing; a row_number() while parsing made the
    # whole parse wait for one thread (twice the time on a 20 M-row export).
    con.execute(
        "create or replace temp view parsed as select * exclude (file_row_number), "
        f"file_row_number + {1 + source.row_offset} as _row_number "
        f"from read_parquet({parsed_file}, file_row_number = true)"
    )
    counts = _counts(con, schema, plan)
    malformed = malformed_lines(con, source)
    if encoding is None and any(is_encoding_error(why) for _, why, _ in malformed):
        # its first 64 KiB read as UTF-8 and a later line did not: read it again, as the whole file is
        return _load_file(con, schema, mappings, path, export_date, scratch, index, whole_file_encoding(path))
    total = counts["rows"] + len(malformed)
    if total == 0 and not schema.events:
        raise ExportRejected(f"{path}: the file has a header but no data rows")
    rejects = counts["rejected"] + len(malformed)
    share = rejects / total if total else 0.0
    if share > max_reject_share():
        examples = con.execute(
            "select _row_number, _reject_reason from parsed where _reject_reason is not null order by 1 limit 3"
        ).fetchall()
        detail = "; ".join([f"row {r}: {why}" for r, why in examples] + [f"line {ln}: {why}" for ln, why, _ in malformed[:3]])
        raise ExportRejected(
            f"{path}: {rejects} of {total} rows ({share:.0%}) could not be parsed, more than the "
            f"{max_reject_share():.0%} allowed; for example {detail}"
        )
    _check_contract(schema, plan, counts)
    columns = ", ".join(_ident(c) for c in _output_columns(schema))
    if counts["rows"] > counts["rejected"]:  # an event export of a quiet day writes no file
        con.execute(
            f"copy (select {columns} from parsed where _reject_reason is null and _skipped is null) "
            f"to {sql_string(str(scratch / 'rows' / (stem + '.parquet')))} (format parquet)"
        )
    if rejects:
        _write_rejects(con, schema, path, export_date, malformed, scratch / "rejects" / (stem + ".parquet"))
    return FileResult(
        path.name,
        plan.match.mapping.name,
        counts["rows"] - counts["rejected"],
        rejects,
        footer_lines=len(source.footer_line_numbers) or len(source.footer),
        headers=plan.headers,
        title_lines=source.title_lines,
        blank_lines=counts["blank"],
        total_rows=counts["total"],
    )


def whole_file_encoding(path: Path) -> str:
    try:
        return text_encoding(path, sample_bytes=None)
    except UnreadableFile as error:
        raise ExportRejected(f"{path}: cannot be read: {error}") from error


def _counts(con: duckdb.DuckDBPyConnection, schema: SourceSchema, plan: FilePlan) -> dict[str, int]:
    """Rows, rejected rows, rows skipped (blank, totals), and per contract column the accepted rows
    that leave it empty."""
    contract = [c for c in schema.contract if c in plan.match.columns]
    empties = [f"count_if(_reject_reason is null and _skipped is null and {_ident(c)} is null)" for c in contract]
    row = con.execute(
        "select count_if(_skipped is null), count(_reject_reason), count_if(_skipped = 'blank'), count_if(_skipped = 'total')"
        f"{''.join(', ' + e for e in empties)} from parsed"
    ).fetchone()
    row = [value or 0 for value in row]  # DuckDB's count_if of no rows is null
    return {
        "rows": row[0],
        "rejected": row[1],
        "blank": row[2],
        "total": row[3],
        **{f"empty:{c}": n for c, n in zip(contract, row[4:], strict=True)},
    }


def _check_contract(schema: SourceSchema, plan: FilePlan, counts: dict[str, int]) -> None:
    """A column the source cannot do without, present but mostly empty, fails the export: a renamed or
    shifted column would otherwise load every row without it."""
    accepted = counts["rows"] - counts["rejected"]
    limit = max_empty_share()
    for column in schema.contract:
        empty = counts.get(f"empty:{column}", 0)
        if accepted and empty / accepted > limit:
            raise ExportRejected(
                f"{plan.source.path}: column {plan.headers[column]} ({column}) is empty on {empty} of {accepted} rows "
                f"({empty / accepted:.0%}), more than the {limit:.0%} allowed; check that the column holds "
                f"{column.replace('_', ' ')} values (ABM_MAX_EMPTY_SHARE)"
            )


def _text_of(header: str, json_columns: set[str]) -> str:
    # JSON values of mixed types come back as JSON: take the string, not its quoted form.
    value = f"json_extract_string({_ident(header)}, '$')" if header in json_columns else f"cast({_ident(header)} as varchar)"
    return f"nullif(trim({value}), '')"


def parse_expression(column: Column, plan: FilePlan, raw: str) -> str:
    if column.type == "id":
        value = f"nullif(trim(split_part({raw}, ';', 1)), '')"  # a multi-valued cell's first id is the primary
        return f"abm_salesforce_id({value})" if plan.match.mapping.options.get("salesforce_ids") else value
    if column.type in ("integer", "number", "date"):
        convention = plan.conventions.get(column.name, "mdy" if column.type == "date" else "us")
        return f"{parser(column.type, convention, plan.evidence.get(column.name))}({raw})"
    return f"abm_parse_{column.type}({raw})"


def _expected(column: Column, plan: FilePlan) -> str:
    convention = plan.conventions.get(column.name)
    if column.type == "date":
        return f"a valid date (ISO or {label('date', convention or 'mdy')})"
    if column.type in ("integer", "number"):
        return f"a valid {column.type} (written {label('number', convention or 'us')})"
    return f"a valid {column.type}"


# Columns whose values are mostly bare domains already, which abm_normalise_domain returns as they are.
# E-mail and web addresses never are: for them its test for a bare domain only adds its cost (2.5 s
# on the 5 M e-mail addresses of a million accounts), so they get the normalising steps directly.
MOSTLY_BARE_DOMAINS = frozenset({"domain", "email_domain"})


def normalised_domain(value: str, column: str) -> str:
    """The domain of a value read from the column."""
    macro = "abm_normalise_domain" if column in MOSTLY_BARE_DOMAINS else "abm_normalise_domain_fully"
    return f"{macro}({value})"


# A report's total and subtotal rows, by their first filled cell: "Grand Totals (42 records)",
# "Subtotal", "Total:"; not a company named "Total Wine & More".
TOTALS_LABEL = r"(?i)\s*(grand\s+totals?|sub-?totals?|totals?|count)\s*(\(\s*[\d,.]+\s+records?\s*\))?\s*:?\s*"
# A grouped report's group header: the group's value and its count, alone on its row.
GROUP_LABEL = r"(?i).+\(\s*[\d,.]+\s+records?\s*\)\s*"


def skipped_row(schema: SourceSchema, plan: FilePlan) -> str:
    """SQL naming a row that is not data: 'blank' (every cell empty, as a spreadsheet leaves ',,,,'
    at the end) or 'total' (a report's totals or group rows). Spreadsheets and CSVs only. Such a row
    lacks a value the source requires, so only those rows are looked at (on 22 M intent rows, every
    row's cells cost seconds)."""
    if plan.source.kind not in ("csv", "xlsx"):
        return "cast(null as varchar)"
    cells = [f"nullif(trim(cast({_ident(header)} as varchar)), '')" for header in plan.source.header]
    first = f"coalesce({', '.join(cells)})"
    filled = " + ".join(f"cast({cell} is not null as integer)" for cell in cells)
    lacking = " or ".join(f"{plan.raw_text[column]} is null" for column in schema.required) or "true"
    return (
        f"case when not ({lacking}) then null when {first} is null then 'blank' "
        f"when regexp_full_match({first}, {sql_string(TOTALS_LABEL)}) "
        f"or ({filled} = 1 and regexp_full_match({first}, {sql_string(GROUP_LABEL)})) then 'total' end"
    )


def parse_query(schema: SourceSchema, plan: FilePlan, export_date: dt.date) -> str:
    """Every row of the file with each canonical column parsed, the reason it is rejected (if it is)
    and its raw text for the rejects table."""
    raw_values, parsed_values, problems = [], [], []
    for column in schema.columns:
        raw = _ident(column.name + "__raw")
        raw_values.append(f"{plan.raw_text[column.name]} as {raw}")
        value = parse_expression(column, plan, raw)
        if column.name == schema.email_column:
            value = f"lower({value})"
        if column.name == "domain":
            value = normalised_domain(value, column.name)
        parsed_values.append(f"{value} as {_ident(column.name)}")
        header = plan.headers.get(column.name)
        if column.type not in ("text", "id") and header:
            problems.append(
                # the parsed column, not the expression again: parsing is the costly part of the query
                f"case when {raw} is not null and {_ident(column.name)} is null then "
                f"'column {sql_string(header)[1:-1]}: ' || {raw} || ' is not {_expected(column, plan)}' end"
            )
        if column.required:
            problems.append(f"case when {raw} is null then 'column {sql_string(header or column.name)[1:-1]} ({column.name}) is empty' end")
    derives_domain = schema.domain_from and schema.domain_from != "domain"
    domain = f", {normalised_domain(_ident(schema.domain_from), schema.domain_from)} as domain" if derives_domain else ""
    reason = "nullif(concat_ws('; ', " + ", ".join(problems) + "), '')" if problems else "cast(null as varchar)"
    skipped = skipped_row(schema, plan)
    raw_record = ", ".join(f"{sql_string(c.name)}: {_ident(c.name + '__raw')}" for c in schema.columns)
    columns = ", ".join(_ident(c) for c in _output_columns(schema) if c != "_row_number")
    return f"""
        with raw_values as (
            select {", ".join(raw_values)}, {skipped} as _skipped from {VIEW}
        ),
        parsed as (
            select *, {", ".join(parsed_values)} from raw_values
        ),
        checked as (
            select * {domain},
                case when _skipped is null then {reason} end as _reject_reason,
                {sql_string(schema.name)} as _source,
                date {sql_string(export_date.isoformat())} as _export_date,
                {sql_string(plan.source.path.name)} as _source_file
            from parsed
        )
        select {columns}, _reject_reason, _skipped,
            case when _reject_reason is not null then cast(to_json({{{raw_record}}}) as varchar) end as _reject_record
        from checked
    """


def _output_columns(schema: SourceSchema) -> list[str]:
    return [c.name for c in schema.output_columns]


def _write_rejects(con, schema: SourceSchema, path: Path, export_date: dt.date, malformed, target: Path) -> None:
    con.execute("create or replace temp table malformed (line bigint, reason varchar, record varchar)")
    if malformed:
        con.executemany("insert into malformed values (?, ?, ?)", malformed)
    con.execute(
        f"""
        copy (
            select {sql_string(schema.name)} as source, date {sql_string(export_date.isoformat())} as export_date,
                   {sql_string(path.name)} as source_file, _row_number as row_number,
                   _reject_reason as reason, _reject_record as record
            from parsed where _reject_reason is not null
            union all
            select {sql_string(schema.name)}, date {sql_string(export_date.isoformat())}, {sql_string(path.name)},
                   line, 'malformed line ' || line || ': ' || reason, record
            from malformed
        ) to {sql_string(str(target))} (format parquet)
        """
    )


def _safe_stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]


def load_pending(paths: Paths, source: str, up_to: dt.date, mappings_file: Path | None) -> tuple[list[ExportResult], list[str]]:
    """Load every export folder of a source up to a date that is new or changed since it was loaded.

    Returns the results and the errors; a failed export is reported and skipped, the others load.
    """
    misnamed = misnamed_export_folders(paths, source)
    errors = [f"{folder}: not an export date; export folders are named YYYY-MM-DD" for folder in misnamed]
    days = export_dates(paths, source, up_to)

    def load(export_date: dt.date) -> ExportResult | ExportRejected:
        try:
            return load_export(paths, source, export_date, mappings_file, database=database)
        except ExportRejected as error:
            return error

    # A backfill's dates load side by side: much of a load is one-threaded (reading a file's first
    # rows, planning, small queries), so two at a time on two cores took 0.55x the time of one.
    with ingest_database() as database, ThreadPoolExecutor(max_workers=max(1, min(len(days), os.cpu_count() or 1))) as pool:
        outcomes = list(pool.map(load, days))
    errors += [str(outcome) for outcome in outcomes if isinstance(outcome, ExportRejected)]
    return [outcome for outcome in outcomes if isinstance(outcome, ExportResult)], errors
